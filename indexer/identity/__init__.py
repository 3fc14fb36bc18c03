"""Identity resolution: which human said this? Emails and names from every source resolved to
one person per human (CRM contacts first), shared inboxes and anonymous reviewers kept apart,
every merge and split logged with its reason so it can be explained and undone."""
from .contacts import load_contacts
from .stage import identity_stage

__all__ = ["identity_stage", "load_contacts"]
