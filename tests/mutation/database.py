"""The test database of a mutation run (`make mutate`, tests/mutation/run.py).

mutmut runs the tests once per mutant in a forked process. Building the SQLite test database from the
migrations costs 15-25 s, so the first session builds it once into a template file and every session
starts from a copy of that template (a copy of its own, so parallel mutants and tests that flush
tables never share one).
"""

import os
import shutil
from pathlib import Path

import pytest

TEMPLATE = Path(os.environ["MUTATION_DB_TEMPLATE"]) if "MUTATION_DB_TEMPLATE" in os.environ else None


@pytest.fixture(scope="session")
def django_db_setup(django_db_blocker):
    from django.db import connection

    assert TEMPLATE is not None and connection.vendor == "sqlite"
    with django_db_blocker.unblock():
        if not TEMPLATE.exists():
            building = TEMPLATE.with_name(f"{TEMPLATE.name}.{os.getpid()}")
            connection.settings_dict["TEST"]["NAME"] = str(building)
            connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
            connection.close()
            os.replace(building, TEMPLATE)
        own = TEMPLATE.with_name(f"run-{os.getpid()}.sqlite3")
        shutil.copyfile(TEMPLATE, own)
        connection.close()
        connection.settings_dict["NAME"] = str(own)
    yield
    with django_db_blocker.unblock():
        connection.close()
    for path in own.parent.glob(f"{own.name}*"):
        path.unlink()
