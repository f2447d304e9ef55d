"""The scale-out guide as the docs write it: the README's "Scale-out" command block, the tour's
token command and the MQTT block of `docs/operations.md`, parsed from the markdown."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
OPERATIONS = ROOT / "docs" / "operations.md"
API = ROOT / "docs" / "api.md"
LONG_RUNNING = ("linli serve", "mosquitto ")


def section(text: str, heading: str) -> str:
    """Return the markdown under `heading` (a `#`-line), up to the next heading of its level."""
    level = heading.split(" ")[0]
    start = text.index(f"\n{heading}\n") + len(heading) + 2
    after = re.search(rf"^{level} ", text[start:], flags=re.MULTILINE)
    return text[start : start + after.start()] if after else text[start:]


def sh_blocks(text: str) -> list[list[str]]:
    """Return the lines of each ```sh block of `text`."""
    return [block.splitlines() for block in re.findall(r"```sh\n(.*?)```", text, flags=re.S)]


@dataclass(frozen=True)
class Command:
    """One line of a guide, as written."""

    line: str

    @property
    def words(self) -> list[str]:
        return shlex.split(self.line, comments=True)

    @property
    def comment(self) -> str:
        return self.line.partition("  #")[2].strip()

    @property
    def is_export(self) -> bool:
        return self.words[0] == "export"

    @property
    def long_running(self) -> bool:
        return self.line.startswith(LONG_RUNNING)

    @property
    def role(self) -> str | None:
        words = self.words
        return words[words.index("--role") + 1] if "--role" in words else None

    def exports(self) -> dict[str, str]:
        """Return the variables an `export` line sets."""
        return dict(word.split("=", 1) for word in self.words[1:])


def scale_out_guide() -> list[Command]:
    """Return the README's scale-out commands, in order."""
    (block, *_) = sh_blocks(section(README.read_text(), "## Scale-out"))
    return [Command(line) for line in block if line.strip()]


def tour_token_command() -> Command:
    """Return the API-token command the README's tour gives."""
    tour = section(README.read_text(), "## A five-minute tour of the demo")
    (line,) = re.findall(r"Tokens: `(linli staff token [^`]+)`", tour)
    return Command(line)


def api_token_synopsis() -> str:
    """Return how docs/api.md says tokens are issued from the shell."""
    (synopsis,) = re.findall(r"`(linli staff token [A-Z]+)`", API.read_text())
    return synopsis


def operations_mqtt_block() -> list[Command]:
    """Return the commands of the MQTT section of docs/operations.md."""
    (block, *_) = sh_blocks(section(OPERATIONS.read_text(), "## MQTT devices"))
    return [Command(line) for line in block if line.strip()]


def exported(commands: list[Command]) -> dict[str, str]:
    """Return every variable the guide exports, with the value it gives."""
    found: dict[str, str] = {}
    for command in commands:
        if command.is_export:
            found.update(command.exports())
    return found


def with_address(url: str, host: str, port: int) -> str:
    """Return `url` pointing at `host:port`, its user and password kept."""
    parts = urlsplit(url)
    credentials = parts.netloc.rpartition("@")[0]
    netloc = f"{credentials}@{host}:{port}" if credentials else f"{host}:{port}"
    return urlunsplit(parts._replace(netloc=netloc))


def stated_count(command: Command) -> int:
    """Return the number a `linli iot count-readings` line says it prints (`…, N here`)."""
    (figure,) = re.findall(r"([\d,]+) here", command.comment)
    return int(figure.replace(",", ""))
