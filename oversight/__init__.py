"""The data protection officer's pages: who has seen a child's record, what a user has looked at,
the review of emergency access. They read the audit trail across every domain app, so they sit on
top of them (the trail itself, `audit/`, is at the bottom)."""
