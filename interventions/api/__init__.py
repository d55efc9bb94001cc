from interventions.api import missing, panels, police, work

__all__ = ["missing", "panels", "police", "work"]
