"""`--record-raw ""` (an unset shell variable in a unit file or script) is a usage error
naming the flag, not a capture written into whatever the current directory is."""

from __future__ import annotations

import pytest

from arbot.cli import main


def test_an_empty_record_raw_path_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--demo", "--no-ui", "--duration", "1", "--record-raw", ""])
    assert exited.value.code == 2
    assert "--record-raw" in capsys.readouterr().err
