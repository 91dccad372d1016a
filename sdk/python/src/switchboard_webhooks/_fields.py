"""Typed reads of decoded JSON for the generated event classes.

Each helper raises ValueError naming the JSON path of a missing or mistyped
field; `Webhook.verify` turns that into WebhookVerificationError
("invalid_payload").
"""
from __future__ import annotations

from typing import Any, Callable, Dict, FrozenSet, List, Mapping, Optional, Tuple, TypeVar

T = TypeVar("T")


def _at(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def obj(value: Any, path: str) -> Dict[str, Any]:
    if not isinstance(value, Mapping):
        raise ValueError(f"{path or 'event'}: expected an object")
    return dict(value)


def extra_fields(d: Mapping[str, Any], known: FrozenSet[str]) -> Dict[str, Any]:
    return {k: v for k, v in d.items() if k not in known}


def _get(d: Mapping[str, Any], key: str, path: str, required: bool) -> Any:
    if key not in d or d[key] is None:
        if required:
            raise ValueError(f"{_at(path, key)}: required")
        return None
    return d[key]


def req_str(d: Mapping[str, Any], key: str, path: str) -> str:
    v = _get(d, key, path, True)
    if not isinstance(v, str):
        raise ValueError(f"{_at(path, key)}: expected a string")
    return v


def opt_str(d: Mapping[str, Any], key: str, path: str) -> Optional[str]:
    return None if _get(d, key, path, False) is None else req_str(d, key, path)


def req_int(d: Mapping[str, Any], key: str, path: str) -> int:
    v = _get(d, key, path, True)
    if isinstance(v, bool) or not isinstance(v, int):
        raise ValueError(f"{_at(path, key)}: expected an integer")
    return int(v)


def opt_int(d: Mapping[str, Any], key: str, path: str) -> Optional[int]:
    return None if _get(d, key, path, False) is None else req_int(d, key, path)


def opt_float(d: Mapping[str, Any], key: str, path: str) -> Optional[float]:
    v = _get(d, key, path, False)
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise ValueError(f"{_at(path, key)}: expected a number")
    return float(v)


def opt_bool(d: Mapping[str, Any], key: str, path: str) -> Optional[bool]:
    v = _get(d, key, path, False)
    if v is not None and not isinstance(v, bool):
        raise ValueError(f"{_at(path, key)}: expected true or false")
    return v


def req_enum(d: Mapping[str, Any], key: str, path: str, values: Tuple[str, ...]) -> Any:
    v = _get(d, key, path, True)
    if v not in values:
        raise ValueError(f"{_at(path, key)}: expected one of {', '.join(values)}")
    return v


def opt_enum(d: Mapping[str, Any], key: str, path: str, values: Tuple[str, ...]) -> Any:
    v = _get(d, key, path, False)
    if v is not None and v not in values:
        raise ValueError(f"{_at(path, key)}: expected one of {', '.join(values)}")
    return v


def opt_dict(d: Mapping[str, Any], key: str, path: str) -> Optional[Dict[str, Any]]:
    v = _get(d, key, path, False)
    return None if v is None else obj(v, _at(path, key))


def opt_list(d: Mapping[str, Any], key: str, path: str, item: type) -> Optional[List[Any]]:
    v = _get(d, key, path, False)
    if v is None:
        return None
    if not isinstance(v, list) or not all(isinstance(x, item) for x in v):
        raise ValueError(f"{_at(path, key)}: expected a list of {item.__name__}")
    return list(v)


def req_obj(
    d: Mapping[str, Any], key: str, path: str, read: Callable[[Mapping[str, Any], str], T]
) -> T:
    return read(obj(_get(d, key, path, True), _at(path, key)), _at(path, key))


def opt_obj(
    d: Mapping[str, Any], key: str, path: str, read: Callable[[Mapping[str, Any], str], T]
) -> Optional[T]:
    return None if _get(d, key, path, False) is None else req_obj(d, key, path, read)


def opt_obj_list(
    d: Mapping[str, Any], key: str, path: str, read: Callable[[Mapping[str, Any], str], T]
) -> Optional[List[T]]:
    v = _get(d, key, path, False)
    if v is None:
        return None
    if not isinstance(v, list):
        raise ValueError(f"{_at(path, key)}: expected a list")
    return [read(obj(x, f"{_at(path, key)}[{i}]"), f"{_at(path, key)}[{i}]") for i, x in enumerate(v)]
