"""bench/RESULTS.md: a section per benchmark, each saying when, on which commit and on which
machine it was measured, then its figures (written by the benchmark) and, below the `NOTES`
marker, notes written by hand. A new run of a benchmark replaces its provenance and figures and
keeps its notes; the other sections stay as they were."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

NOTES = "<!-- Notes: written by hand; kept when the benchmark runs again. -->"
HEADER = (
    "# Benchmark results\n\n"
    "Written by `make bench` (`python -m bench NAME …` runs those benchmarks and keeps the other "
    "sections); each figure is compared with a baseline measured in the same run. Each section "
    "says when, on which commit and on which machine it was measured. Its notes, below its "
    "figures, are written by hand: a new run of its benchmark keeps them.\n"
)


@dataclass(frozen=True)
class Section:
    """One benchmark's part of the file: its `## ` title line first."""

    text: str

    @property
    def key(self) -> str:
        """The title without its subtitle: "## Search" for "## Search — hybrid search …"."""
        return self.text.split("\n", 1)[0].split(" — ", 1)[0]

    @property
    def notes(self) -> str:
        """The marker and the notes after it ("" without them)."""
        _, marker, notes = self.text.partition(NOTES)
        return f"{marker}\n{notes.strip()}".rstrip() if marker else ""


def provenance(when: dt.datetime, commit: str, machine: str) -> str:
    return f"_Measured {when:%Y-%m-%d %H:%M} UTC on commit {commit}; {machine}._"


def parse(text: str) -> list[Section]:
    """The sections of a results file, in its order (its header left out)."""
    return [Section("## " + part.strip() + "\n") for part in text.split("\n## ")[1:]]


def measured(figures: str, measured_by: str, before: Section | None) -> Section:
    """A benchmark's new section: its title, `measured_by` (`provenance`), its `figures` and the
    notes of the section it replaces."""
    title, _, body = figures.strip().partition("\n")
    text = f"{title}\n\n{measured_by}\n\n{body.strip()}\n"
    notes = before.notes if before is not None else ""
    return Section(f"{text}\n{notes}\n" if notes else text)


def merged(previous: str, fresh: list[str], measured_by: str) -> str:
    """The results file with `fresh` sections (each a benchmark's output, its title first) in
    place of those of the same title in `previous`, new ones at the end."""
    sections = {s.key: s for s in parse(previous)}
    for figures in fresh:
        section = Section(figures)
        sections[section.key] = measured(figures, measured_by, sections.get(section.key))
    return HEADER + "\n" + "\n".join(s.text for s in sections.values())
