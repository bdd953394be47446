"""Every refusal the API gives, in one JSON shape:

    {"code": "out_of_stock", "message": "Sorry, “Kettle” is out of stock.", "fields": []}

`code` is for programs (stable, snake_case), `message` for people (the same words the
pages show), `fields` lists what was wrong with which input. A refused request changes
nothing: the checks run before any write, and the cart's services are all-or-nothing.
"""

from collections.abc import Iterable

from django.core.exceptions import NON_FIELD_ERRORS
from django.http import JsonResponse

# The status of a refusal by the cart's services (CartError.code): a product or line that
# isn't there is 404, a rule of the shop's (stock, caps, availability) 409.
CART_ERROR_STATUS = {"line": 404, "bundle": 404}
CART_ERROR_DEFAULT_STATUS = 409


class ApiError(Exception):
    """Raised anywhere in an API view (or its middleware) to answer with an error."""

    def __init__(self, status: int, code: str, message: str, *, fields: Iterable[dict] = ()):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = list(fields)


def error_body(code: str, message: str, fields: Iterable[dict] = ()) -> dict:
    return {"code": code, "message": message, "fields": list(fields)}


def error_response(status: int, code: str, message: str, *, fields: Iterable[dict] = ()) -> JsonResponse:
    return JsonResponse(error_body(code, message, fields), status=status, json_dumps_params={"ensure_ascii": False})


def form_error(form) -> ApiError:
    """A Django form's errors (the pages' own forms, with the pages' own words) as a 400."""
    fields = [
        {"field": None if name == NON_FIELD_ERRORS else name, "code": error.code or "invalid", "message": message}
        for name, errors in form.errors.as_data().items()
        for error in errors
        for message in error.messages
    ]
    message = " ".join(dict.fromkeys(field["message"] for field in fields)) or "The request is not valid."
    return ApiError(400, "invalid", message, fields=fields)


def cart_error(error) -> ApiError:
    code = error.code or "refused"
    return ApiError(CART_ERROR_STATUS.get(code, CART_ERROR_DEFAULT_STATUS), code, error.message)


# Pydantic's words for a malformed request, made plain: what is expected of the field.
_PYDANTIC_MESSAGES = {
    "missing": "is required",
    "int_parsing": "must be a whole number",
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "decimal_parsing": "must be a number",
    "decimal_type": "must be a number",
    "bool_parsing": "must be true or false",
    "string_type": "must be a string",
    "list_type": "must be a list",
    "model_attributes_type": "must be a JSON object",
    "dict_type": "must be a JSON object",
    "too_long": "has too many items",
}


def _plain(error: dict) -> str:
    kind, context = error.get("type", ""), error.get("ctx") or {}
    if kind in _PYDANTIC_MESSAGES:
        return _PYDANTIC_MESSAGES[kind]
    if kind == "greater_than_equal":
        return f"must be at least {context.get('ge')}"
    if kind == "less_than_equal":
        return f"must be at most {context.get('le')}"
    if kind == "literal_error":
        return f"must be one of {context.get('expected')}"
    if kind == "string_too_long":
        return f"must be at most {context.get('max_length')} characters"
    return error.get("msg", "is not valid").rstrip(".")


def validation_error(errors: list[dict]) -> ApiError:
    """Ninja's request validation errors (wrong types, missing values, bad JSON) as a 400."""
    fields = []
    for error in errors:
        location = [str(part) for part in error.get("loc", ())]
        if error.get("type") == "json_invalid":
            return ApiError(400, "invalid_json", "The request body isn't valid JSON.")
        if location[:1] == ["body"] and len(location) <= 2 and error.get("type") == "missing":
            return ApiError(400, "invalid_json", "The request needs a JSON body.")
        # ("body", "data", "quantity") → "quantity"; ("query", "page") → "page"
        path = location[2:] if location[:1] == ["body"] and len(location) > 2 else location[1:]
        name = ".".join(path) or (location[0] if location else "request")
        fields.append({"field": name, "code": error.get("type", "invalid"), "message": f"{name} {_plain(error)}."})
    message = " ".join(field["message"] for field in fields) or "The request is not valid."
    return ApiError(400, "invalid", message, fields=fields)
