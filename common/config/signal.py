"""Where a camera's signal state comes from: its heads in the image, a fixed-time plan, or the
intersection controller's phase messages; one block per source, checked against the source."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field, PositiveInt, model_validator

from common.config.yaml_file import fields_error
from common.strict import Ident, StrictModel


class SignalSourceKind(StrEnum):
    VISION = "vision"  # the signal heads drawn on the camera's image
    CONTROLLER = "controller"  # phase messages from the intersection's controller
    SCHEDULE = "schedule"  # a fixed-time plan


class SignalHeadConfig(StrictModel):
    roi: tuple[Annotated[int, Field(ge=0)], Annotated[int, Field(ge=0)], PositiveInt, PositiveInt]
    layout: Literal["vertical", "horizontal"] = "vertical"


class ScheduleConfig(StrictModel):
    """Fixed-time plan: red for red_s from red_start_s in each cycle, amber just before it.

    offset_s: cycle position at stream time 0 (replays); epoch: a wall-clock instant at cycle
    position 0 (live streams)."""

    cycle_s: float = Field(gt=0)
    red_start_s: float = Field(ge=0)
    red_s: float = Field(gt=0)
    amber_s: float = Field(3.0, ge=0)
    offset_s: float = 0.0
    epoch: AwareDatetime | None = None

    @model_validator(mode="after")
    def _fits(self) -> ScheduleConfig:
        if self.red_start_s >= self.cycle_s:
            raise fields_error([("red_start_s", f"must be less than cycle_s {self.cycle_s:g}")])
        if self.red_s + self.amber_s >= self.cycle_s:
            raise fields_error([("red_s", "red_s + amber_s must leave some of the cycle green")])
        return self


class ControllerConfig(StrictModel):
    intersection: Ident  # a topic level: dendo/v1/signals/<intersection>
    phase: int = Field(ge=1)


class SignalControllerConfig(StrictModel):
    """An intersection's signal controller: the keys its phase messages are signed with.

    A phase message is trusted only when one of `public_keys` verifies it, its sequence number
    is new and it was sent within `max_age_s` (controllers publish their phase at every change
    and at least this often); otherwise the camera reads the signal as unknown."""

    intersection: Ident
    public_keys: list[Path] = Field(min_length=1)
    max_age_s: float = Field(10.0, gt=0, le=3600)


class SignalConfig(StrictModel):
    source: SignalSourceKind
    heads: list[SignalHeadConfig] = Field(default_factory=list)
    schedule: ScheduleConfig | None = None
    controller: ControllerConfig | None = None

    @model_validator(mode="after")
    def _source_has_what_it_needs(self) -> SignalConfig:
        problems = []
        if self.source == SignalSourceKind.VISION and not self.heads:
            problems.append(("heads", "source is vision: draw at least one head (roi, layout)"))
        for key in ("schedule", "controller"):
            given = getattr(self, key) is not None
            if self.source == key and not given:
                problems.append((key, f"source is {key}: this block is required"))
            elif given and self.source != key:
                problems.append((key, f"given but source is {self.source}; remove one of them"))
        if problems:
            raise fields_error(problems)
        return self
