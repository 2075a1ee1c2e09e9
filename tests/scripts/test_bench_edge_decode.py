"""The bench's decoding floor reads the video as the replay does: every frame grabbed, only the
pictures converted, so its share of the peer's cost is the replay's own decoding."""

from __future__ import annotations

import pytest

from scripts.bench_edge import decode_alone
from tests.paths import MEDIA

VN_A = MEDIA / "vn_a.mp4"


@pytest.mark.skipif(not VN_A.exists(), reason=f"{VN_A} not found (../shared is absent)")
def test_decode_alone_grabs_every_frame_and_converts_only_the_pictures() -> None:
    result = decode_alone(VN_A)
    assert result["frames"] == 440, f"every frame of vn_a is grabbed: {result}"
    # vn_a is 30 fps and the default camera takes 10 pictures a second: every third frame.
    assert result["pictures"] == 147, f"only the pictures are converted: {result}"
    assert float(str(result["cpu_s_per_video_s"])) > 0, f"decoding costs CPU: {result}"
