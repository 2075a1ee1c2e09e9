"""The fines table (`configs/fines.yaml`): what running a red light costs per vehicle class.

The amounts are law (Decree 168/2024/NĐ-CP), and the law changes, so they live in an editable
file, validated on load with errors that name the field and the line. Officers record fines
through `check_amount`, which refuses any amount outside the legal range: a notice or a fine
decision with a wrong amount is void and costs the city the case.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from common.config.yaml_file import StrictLoader, line_of

DEFAULT_PATH = Path(__file__).resolve().parents[1] / "configs" / "fines.yaml"

Vnd = Annotated[int, Field(gt=0, strict=True)]
ClassName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]{0,31}$")]
_CLAUSE = re.compile(r"khoản \d+ Điều \d+", re.IGNORECASE)


class FinesConfigError(ValueError):
    """The fines file cannot be used; the message names the file, the field and the line."""


class FineError(ValueError):
    """A fine that may not be recorded: unknown vehicle class or an amount outside the range."""


@dataclass(frozen=True)
class Fine:
    """The fine range for one vehicle class, and the law that sets it."""

    min_vnd: int
    max_vnd: int
    default_vnd: int
    legal_basis: str
    vehicle_class: str = ""
    vehicle_label: str = ""  # how the vehicle is named on a notice, e.g. "Xe ô tô con"
    group: str = ""  # the decree's vehicle group, e.g. "Xe ô tô"
    additional: str = ""  # hình thức xử phạt bổ sung, when the decree sets one for the act
    # Licence points deducted and the clause that deducts them: Decree 168 puts the deduction
    # in a clause of its own (khoản 16 Điều 6, khoản 13 Điều 7), not among the additional
    # penalties, so the notice cites it on its own line.
    licence_points: str = ""

    def contains(self, amount: int) -> bool:
        return self.min_vnd <= amount <= self.max_vnd


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FineGroup(_Model):
    name: str = Field(min_length=1, max_length=100)
    vehicle_classes: dict[ClassName, Annotated[str, Field(min_length=1, max_length=100)]] = Field(
        min_length=1
    )
    min_vnd: Vnd
    max_vnd: Vnd
    default_vnd: Vnd
    legal_basis: str = Field(min_length=1, max_length=300)
    additional: str = Field(default="", max_length=300)
    licence_points: str = Field(default="", max_length=300)

    @model_validator(mode="after")
    def _licence_points(self) -> FineGroup:
        if re.search(r"trừ\s.*điểm", self.additional, re.IGNORECASE):
            raise ValueError(
                "additional: a licence-point deduction is not a hình thức xử phạt bổ sung under "
                "Decree 168: put it in licence_points with the clause that deducts it"
            )
        if self.licence_points and not _CLAUSE.search(self.licence_points):
            raise ValueError(
                "licence_points must cite the clause that deducts them, e.g. "
                "'04 điểm (điểm b khoản 16 Điều 6 Nghị định số 168/2024/NĐ-CP)'"
            )
        return self

    @model_validator(mode="after")
    def _ordered(self) -> FineGroup:
        if self.min_vnd > self.max_vnd:
            raise ValueError(
                f"min_vnd {format_vnd(self.min_vnd)} is above max_vnd {format_vnd(self.max_vnd)}"
            )
        if not self.min_vnd <= self.default_vnd <= self.max_vnd:
            raise ValueError(
                f"default_vnd {format_vnd(self.default_vnd)} is outside min_vnd..max_vnd "
                f"({format_vnd(self.min_vnd)}–{format_vnd(self.max_vnd)})"
            )
        return self


class FinesTable(_Model):
    """The whole file. Look fines up with `fine_for`, check amounts with `check_amount`."""

    violation: str = Field(min_length=1, max_length=300)
    groups: list[FineGroup] = Field(min_length=1)

    @model_validator(mode="after")
    def _one_group_per_class(self) -> FinesTable:
        seen: dict[str, str] = {}
        for group in self.groups:
            for cls in group.vehicle_classes:
                if cls in seen:
                    raise ValueError(
                        f"vehicle class {cls!r} is in both {seen[cls]!r} and {group.name!r}"
                    )
                seen[cls] = group.name
        return self

    @property
    def vehicle_classes(self) -> list[str]:
        return [cls for group in self.groups for cls in group.vehicle_classes]

    def fine_for(self, vehicle_class: str) -> Fine:
        """The range, default and legal basis for a vehicle class (FineError if none)."""
        for group in self.groups:
            if vehicle_class in group.vehicle_classes:
                return Fine(
                    min_vnd=group.min_vnd,
                    max_vnd=group.max_vnd,
                    default_vnd=group.default_vnd,
                    legal_basis=group.legal_basis,
                    vehicle_class=vehicle_class,
                    vehicle_label=group.vehicle_classes[vehicle_class],
                    group=group.name,
                    additional=group.additional,
                    licence_points=group.licence_points,
                )
        known = ", ".join(self.vehicle_classes)
        raise FineError(
            f"no fine is configured for vehicle class {vehicle_class!r} (known: {known})"
        )

    def check_amount(self, vehicle_class: str, amount: int) -> None:
        """Refuse an amount the decree does not allow for this vehicle class."""
        if isinstance(amount, bool) or not isinstance(amount, int):
            raise FineError(f"a fine is a whole number of VND, got {amount!r}")
        fine = self.fine_for(vehicle_class)
        if not fine.contains(amount):
            raise FineError(
                f"{format_vnd(amount)} VND is outside the fine range for {vehicle_class} "
                f"({fine.group}): {format_vnd(fine.min_vnd)}–{format_vnd(fine.max_vnd)} VND "
                f"under {fine.legal_basis}"
            )


def format_vnd(amount: int) -> str:
    """Vietnamese digit grouping: 19000000 -> "19.000.000"."""
    return f"{amount:,}".replace(",", ".")


def _describe(err: dict[str, Any]) -> str:
    loc = tuple(err["loc"])
    if err["type"] == "extra_forbidden":
        return f"unknown key {loc[-1]!r}: not allowed (check the spelling)"
    if err["type"] == "missing":
        return "is required but missing"
    msg = str(err["msg"]).removeprefix("Value error, ")
    value = err.get("input")
    if isinstance(value, str | int | float) and err["type"] != "value_error":
        msg += f" (got {value!r})"
    return msg


def _field(loc: tuple[Any, ...], data: Any) -> str:
    """groups.1.default_vnd, with the group's name when it has one."""
    parts = [str(p) for p in loc]
    if len(loc) > 1 and loc[0] == "groups" and isinstance(loc[1], int):
        groups = data.get("groups") if isinstance(data, dict) else None
        group = groups[loc[1]] if isinstance(groups, list) and loc[1] < len(groups) else None
        name = group.get("name") if isinstance(group, dict) else None
        if isinstance(name, str):
            parts[1] = f"{loc[1]} ({name})"
    return ".".join(parts) or "(file)"


def parse_fines(text: str, source: str = "fines.yaml") -> FinesTable:
    """Validate the YAML text of a fines table; FinesConfigError lists every problem."""
    try:
        root = yaml.compose(text, Loader=StrictLoader)
        data = yaml.load(text, Loader=StrictLoader)
    except yaml.YAMLError as exc:
        raise FinesConfigError(f"{source}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise FinesConfigError(f"{source}: expected a mapping with 'violation' and 'groups'")
    try:
        return FinesTable.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors(include_url=False):
            loc = tuple(err["loc"])
            line = line_of(root, loc)
            where = f" (line {line})" if line else ""
            problems.append(f"{source}: {_field(loc, data)}: {_describe(dict(err))}{where}")
        raise FinesConfigError("\n".join(problems)) from None


def load_fines(path: Path | str = DEFAULT_PATH) -> FinesTable:
    """Read and validate a fines file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise FinesConfigError(f"{path}: cannot read the fines table: {exc}") from None
    return parse_fines(text, str(path))


_default: FinesTable | None = None


def default_table() -> FinesTable:
    """configs/fines.yaml of this checkout, read once."""
    global _default
    if _default is None:
        _default = load_fines(DEFAULT_PATH)
    return _default


def fine_for(vehicle_class: str, table: FinesTable | None = None) -> Fine:
    """The fine for a vehicle class from `table` (default: configs/fines.yaml)."""
    return (table or default_table()).fine_for(vehicle_class)


def check_amount(vehicle_class: str, amount: int, table: FinesTable | None = None) -> None:
    """FineError unless `amount` is within the legal range for the vehicle class."""
    (table or default_table()).check_amount(vehicle_class, amount)


def main(argv: list[str] | None = None) -> int:
    """`python -m central.fines FILE`: check a fines table after editing it."""
    args = sys.argv[1:] if argv is None else argv
    path = Path(args[0]) if args else DEFAULT_PATH
    try:
        table = load_fines(path)
    except FinesConfigError as exc:
        print(exc, file=sys.stderr)
        return 1
    for cls in table.vehicle_classes:
        fine = table.fine_for(cls)
        print(
            f"{cls:12} {format_vnd(fine.min_vnd):>12} – {format_vnd(fine.max_vnd):>12} VND "
            f"(default {format_vnd(fine.default_vnd)})  {fine.legal_basis}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
