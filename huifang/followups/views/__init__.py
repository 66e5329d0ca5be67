"""Pages of follow-ups: plans (``plans``) and the agents' work (``workbench``)."""
