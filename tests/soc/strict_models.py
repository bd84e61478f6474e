"""Validation of JSON documents against pydantic models that also rejects what pydantic lets
through by default: keys the model does not define (pydantic drops them silently), values
of another JSON type than the field's (lax mode turns "4" into 4), and computed fields
(ocsf-pydantic derives type_uid, type_name and category_name) whose given value differs
from what the model derives.

The document is validated as is, then walked beside the validated object: each key of
the document must name a field (or a computed field) of the model at that place.
"""

import datetime
import enum
import ipaddress

from pydantic import BaseModel, ValidationError


def problems(model, document, allowed_extra=()):
    """What is wrong with `document` as a `model`: a list of messages, empty when it is
    valid. `allowed_extra` holds (model class, key) pairs tolerated although the model
    lacks them."""
    try:
        value = model.model_validate(document)
    except ValidationError as e:
        return [f"{model.__module__}.{model.__qualname__}: {e}"]
    out = []
    _walk(value, document, model.__qualname__, out, set(allowed_extra))
    return out


def _json(value):
    if isinstance(value, enum.Enum):
        return value.value
    return value


def _walk(value, doc, path, out, allowed):
    if isinstance(value, BaseModel):
        if not isinstance(doc, dict):
            out.append(f"{path}: an object was expected, got {doc!r}")
            return
        cls = type(value)
        names = {(f.alias or n): n for n, f in cls.model_fields.items()}
        computed = cls.model_computed_fields
        for key, sub in doc.items():
            where = f"{path}.{key}"
            if key in names:
                _walk(getattr(value, names[key]), sub, where, out, allowed)
            elif key in computed:
                derived = _json(getattr(value, key))
                if derived != sub:
                    out.append(f"{where}: {sub!r}, but {cls.__qualname__} derives {derived!r}")
            elif not any(issubclass(cls, c) and key == k for c, k in allowed):
                out.append(f"{where}: {cls.__module__}.{cls.__qualname__} has no field {key!r}")
    elif isinstance(value, (list, tuple)):
        if not isinstance(doc, list) or len(doc) != len(value):
            out.append(f"{path}: a list was expected, got {doc!r}")
            return
        for i, (v, d) in enumerate(zip(value, doc)):
            _walk(v, d, f"{path}[{i}]", out, allowed)
    elif isinstance(value, dict):
        # A free-form object (data, unmapped): any keys.
        if not isinstance(doc, dict):
            out.append(f"{path}: an object was expected, got {doc!r}")
    elif value is None:
        if doc is not None:
            out.append(f"{path}: {doc!r} was read as null")
    elif isinstance(value, enum.Enum):
        if type(doc) is not type(value.value) or doc != value.value:
            out.append(f"{path}: {doc!r} is not the enum value {value.value!r}")
    elif isinstance(value, bool):
        if type(doc) is not bool:
            out.append(f"{path}: {doc!r} is not a boolean")
    elif isinstance(value, int):
        if type(doc) is not int:
            out.append(f"{path}: {doc!r} is not an integer")
    elif isinstance(value, float):
        if type(doc) not in (int, float):
            out.append(f"{path}: {doc!r} is not a number")
    elif isinstance(value, str):
        if type(doc) is not str:
            out.append(f"{path}: {doc!r} is not a string")
    elif isinstance(value, datetime.datetime):
        # OCSF times are integers (milliseconds since the epoch); a model that types them
        # as datetime must have read them as milliseconds, not seconds.
        if type(doc) is int:
            ms = round(value.timestamp() * 1000)
            if ms != doc:
                out.append(f"{path}: {doc} read as {value.isoformat()}, not as milliseconds")
        elif type(doc) is not str:
            out.append(f"{path}: {doc!r} is not a time")
    elif isinstance(value, (ipaddress.IPv4Address, ipaddress.IPv6Address)):
        if type(doc) is not str or ipaddress.ip_address(doc) != value:
            out.append(f"{path}: {doc!r} is not the address {value}")
