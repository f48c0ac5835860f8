"""The append-only model: an audit record is written once and never changed or deleted.

A correction is a new record. `save()` refuses an existing row and `delete()` any, and so do the
queryset's `update()` and `delete()`; the one update allowed is the deletion collector's SET_NULL of
a foreign key whose target goes (a contact or account removed), which the record survives because it
keeps who did it in a column of its own.
"""

from django.db import models

APPEND_ONLY = "{model} is append-only: a correction is a new record"


class AppendOnlyViolation(ValueError):
    """Code tried to change or delete an audit record: a programming error, not a user's refusal."""

    def __init__(self, model: type[models.Model]):
        super().__init__(APPEND_ONLY.format(model=model.__name__))


def _detaches_only(model: type[models.Model], values: dict) -> bool:
    """True if the update only sets foreign keys to NULL that are declared on_delete=SET_NULL."""
    for name, value in values.items():
        field = model._meta.get_field(name)
        if value is not None or not field.many_to_one or field.remote_field.on_delete is not models.SET_NULL:
            return False
    return True


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        if not _detaches_only(self.model, kwargs):
            raise AppendOnlyViolation(self.model)
        return super().update(**kwargs)

    def delete(self):
        raise AppendOnlyViolation(self.model)


class AppendOnlyModel(models.Model):
    """Abstract base of an audit record. No fields, so deriving from it changes no migration."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyViolation(type(self))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyViolation(type(self))
