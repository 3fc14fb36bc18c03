"""Identity resolution: which human said this? Emails and names from every source resolved to
one person per human (CRM contacts first), shared inboxes and anonymous reviewers kept apart,
every merge and split logged with its reason so it can be explained and undone."""


def load_contacts(es, settings, path_to_people_csv, **kwargs):
    """CRM contacts -> persons (see indexer.identity.contacts); imported lazily."""
    from .contacts import load_contacts as _load

    return _load(es, settings, path_to_people_csv, **kwargs)


def identity_stage(settings, es=None, **kwargs):
    from .stage import identity_stage as _stage

    return _stage(settings, es, **kwargs)
