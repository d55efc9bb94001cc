from interventions.api import panels, police, work

__all__ = ["panels", "police", "work"]
