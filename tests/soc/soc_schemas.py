"""The published schemas the SOC outputs are checked against: OCSF 1.1.0 through two
independent pydantic model sets (Prowler's py-ocsf-models and ocsf-pydantic), and the
AWS Security Finding Format through botocore's Security Hub service model."""

import datetime
import enum
import re

import botocore.session
from botocore.validate import ParamValidator
from pydantic import Field
from ocsf.events.findings.detection import DetectionFinding as OcsfPydanticDetectionFinding
from ocsf.events.network.network_activity import NetworkActivity as _NetworkActivity
from py_ocsf_models.events.findings.detection_finding import (
    DetectionFinding as PyOcsfDetectionFinding,
)
from py_ocsf_models.objects.evidence_artifacts import EvidenceArtifacts as _PyOcsfEvidence

from strict_models import problems

# py-ocsf-models' EvidenceArtifacts has no src_endpoint/dst_endpoint (commented out as a
# TODO in that package, although OCSF 1.1.0's evidences object has both): they are the
# only keys tolerated beyond its fields. ocsf-pydantic models them, so its strict check
# covers those two objects.
PY_OCSF_ALLOWED = [(_PyOcsfEvidence, "src_endpoint"), (_PyOcsfEvidence, "dst_endpoint")]


def detection_finding_problems(doc):
    """Strict problems of one OCSF Detection Finding with both model sets."""
    return [f"py-ocsf-models: {p}" for p in problems(PyOcsfDetectionFinding, doc, PY_OCSF_ALLOWED)] + [
        f"ocsf-pydantic: {p}" for p in problems(OcsfPydanticDetectionFinding, doc)
    ]


class NetworkActivityId(enum.Enum):
    """OCSF 1.1.0 Network Activity activity_id."""
    Unknown = 0
    Open = 1
    Close = 2
    Reset = 3
    Fail = 4
    Refuse = 5
    Traffic = 6
    Listen = 7
    Other = 99


class ActionId(enum.Enum):
    """OCSF 1.1.0 security_control profile: action_id."""
    Unknown = 0
    Allowed = 1
    Denied = 2
    Other = 99


class NetworkActivity(_NetworkActivity):
    """ocsf-pydantic's Network Activity (class 4001) with two defects of that package
    (0.0.6) put right, everything else as it has it: it keeps the base event's activity_id
    enum (Unknown, Other), so OCSF 1.1.0's 5 Refuse and 6 Traffic would fail; and it does
    not model the security_control profile, whose action and disposition attributes the
    flow-log mapping sets."""

    activity_id: NetworkActivityId = NetworkActivityId.Unknown
    action_id: ActionId | None = None
    action: str | None = None
    # The dictionary's disposition ids (1 Allowed and 2 Blocked are the ones flow logs give);
    # the values themselves are checked against the records by the tests.
    disposition_id: int | None = Field(default=None, ge=0, le=99)
    disposition: str | None = None


def network_activity_problems(doc):
    return problems(NetworkActivity, doc)


# --- ASFF -------------------------------------------------------------------------------

_SECURITYHUB = botocore.session.get_session().get_service_model("securityhub")
BATCH_IMPORT = _SECURITYHUB.operation_model("BatchImportFindings").input_shape

# Limits the AwsSecurityFinding API reference gives and botocore does not check (it checks
# types, required members, unknown keys and minimum lengths only).
_MAX_LENGTH = {"Id": 512, "GeneratorId": 512, "Title": 256, "Description": 1024}
_TYPE_NAMESPACES = {
    "Software and Configuration Checks", "TTPs", "Effects", "Unusual Behaviors",
    "Sensitive Data Identifications",
}
# RFC 3339 as Security Hub takes it: Z or an offset, at most 9 fraction digits.
_TIMESTAMP = re.compile(
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}(:?\d{2})?)"
)
_TIMESTAMPS = ("CreatedAt", "UpdatedAt", "FirstObservedAt", "LastObservedAt", "ProcessedAt")


def _enum_problems(value, shape, path, out):
    """Enums and maximum lengths in botocore's model (ParamValidator skips both)."""
    if value is None:
        return
    enum_values = getattr(shape, "enum", None)
    if enum_values and value not in enum_values:
        out.append(f"{path}: {value!r} is not one of {enum_values}")
    maximum = shape.metadata.get("max")
    if maximum is not None and isinstance(value, (str, list, dict)) and len(value) > maximum:
        out.append(f"{path}: {len(value)} over the maximum {maximum}")
    if shape.type_name == "structure" and isinstance(value, dict):
        for key, sub in value.items():
            if key in shape.members:
                _enum_problems(sub, shape.members[key], f"{path}.{key}" if path else key, out)
    elif shape.type_name == "list" and isinstance(value, list):
        for i, sub in enumerate(value):
            _enum_problems(sub, shape.member, f"{path}[{i}]", out)
    elif shape.type_name == "map" and isinstance(value, dict):
        for key, sub in value.items():
            _enum_problems(sub, shape.value, f"{path}.{key}", out)


def batch_problems(body):
    """What BatchImportFindings would refuse in one request body, before any call: botocore's
    validation against the service model, the model's enums and maxima, and the limits of
    the AwsSecurityFinding reference."""
    report = ParamValidator().validate(body, BATCH_IMPORT)
    out = [report.generate_report()] if report.has_errors() else []
    _enum_problems(body, BATCH_IMPORT, "", out)
    findings = body.get("Findings") if isinstance(body, dict) else None
    if not isinstance(findings, list) or not 1 <= len(findings) <= 100:
        out.append(f"Findings: 1 to 100 findings a call, got {findings!r:.200}")
        return out
    for i, f in enumerate(findings):
        where = f"Findings[{i}]"
        if not re.fullmatch(r"\d{12}", str(f.get("AwsAccountId"))):
            out.append(f"{where}.AwsAccountId: {f.get('AwsAccountId')!r} is not 12 digits")
        for key, limit in _MAX_LENGTH.items():
            if len(str(f.get(key, ""))) > limit:
                out.append(f"{where}.{key}: over {limit} characters")
        text = f.get("Remediation", {}).get("Recommendation", {}).get("Text", "")
        if len(text) > 512:
            out.append(f"{where}.Remediation.Recommendation.Text: over 512 characters")
        fields = f.get("ProductFields", {})
        if len(fields) > 50:
            out.append(f"{where}.ProductFields: {len(fields)} pairs, at most 50")
        for k, v in fields.items():
            if len(k) > 128 or len(str(v)) > 2048:
                out.append(f"{where}.ProductFields.{k}: key over 128 or value over 2048 characters")
        if len(f.get("Resources", [])) > 32:
            out.append(f"{where}.Resources: at most 32")
        types = f.get("Types", [])
        if len(types) > 50:
            out.append(f"{where}.Types: at most 50")
        for t in types:
            parts = t.split("/")
            if not 2 <= len(parts) <= 3 or parts[0] not in _TYPE_NAMESPACES or not all(parts):
                out.append(f"{where}.Types: {t!r} is not namespace/category[/classifier]")
        for key in _TIMESTAMPS:
            if key in f and not _TIMESTAMP.fullmatch(str(f[key])):
                out.append(f"{where}.{key}: {f[key]!r} is not a timestamp Security Hub takes")
    return out


# --- times ------------------------------------------------------------------------------

def iso_ms(text):
    """Milliseconds since the epoch of an RFC 3339 / ISO 8601 time."""
    t = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if t.tzinfo is None:
        t = t.replace(tzinfo=datetime.timezone.utc)
    return round(t.timestamp() * 1000)
