"""Extract the soprano melodies of Bach's chorales from music21's corpus into course_lib/data/bach_chorales.npz.

music21 lists 371 four-part chorales of Riemenschneider's edition (350 distinct
files, some listed twice) as MusicXML; parsing one takes a fraction of a second, too slow for
every run of a notebook. This script parses each chorale once and keeps what
the music chapter needs: the melody (the soprano part), one note per entry,

- ``pitch``: MIDI pitch (60 = middle C), 0 for a rest;
- ``duration``: length in sixteenth notes (4 = a quarter note); tied notes
  are merged into one note;
- ``fermata``: whether the note carries a fermata (the end of a phrase);

plus, per chorale, its id (``"bwv269"``), its Riemenschneider number, its key
(tonic pitch class 0-11 and mode, 0 major and 1 minor, from music21's
Krumhansl-Schmuckler key analysis of the whole chorale), the numerator of
its time signature, its ``tune`` (see below) and where its notes start in
the flat arrays (``starts``, one more entry than chorales).

Bach harmonised many hymn tunes more than once, so the same melody appears
in several chorales. ``tune`` groups them: chorales whose melodies open with
the same ``OPENING`` intervals between notes (rests ignored, so transposed
copies match too) get the same tune number, the index of the first of them.
Splitting the data by tune keeps a melody from appearing in both the
training and the validation set. Filenames that the music21 iterator lists
twice are parsed once. Chorales whose melody has a
duration that is not a whole number of sixteenths or a chord in the soprano
are skipped and reported (with music21 10.5.1: three chorales with 32nd
notes and one with a chord, leaving 346 of 350 distinct chorales).

music21 is needed only here, not by the course:

    pip install music21
    python scripts/extract_chorales.py                  # about a minute
    python scripts/extract_chorales.py --limit 3 --out /tmp/chorales.npz

After regenerating the shipped file, update its sha256 in
``course_lib/data.py`` (``BUNDLED_SHA256``) and in ``course_lib/data/README.md``;
the script prints it.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np

OUT = Path(__file__).resolve().parent.parent / "course_lib" / "data" / "bach_chorales.npz"
MODES = {"major": 0, "minor": 1}
OPENING = 8  # melodies that open with the same 8 intervals are taken to be the same tune


def extract_melody(score: Any) -> dict[str, Any]:
    """The soprano melody and key of one parsed chorale (a ``music21.stream.Score``).

    Returns a dict with lists ``pitch``, ``duration`` (sixteenths), ``fermata``
    and the scalars ``tonic``, ``mode`` and ``meter``. Raises ``ValueError``
    if the melody cannot be written on a sixteenth-note grid.
    """
    soprano = score.parts[0]
    pitch: list[int] = []
    duration: list[int] = []
    fermata: list[bool] = []
    tied = False  # the previous note is tied to this one
    for element in soprano.flatten().notesAndRests:
        sixteenths = element.quarterLength * 4
        if sixteenths == 0:  # grace notes take no time
            continue
        if sixteenths != int(sixteenths):
            raise ValueError(f"a note of {element.quarterLength} quarters is not on the sixteenth grid")
        if element.isChord:
            raise ValueError("the soprano part holds a chord")
        midi = 0 if element.isRest else int(element.pitch.midi)
        has_fermata = any(type(e).__name__ == "Fermata" for e in element.expressions)
        if tied and midi == pitch[-1]:
            duration[-1] += int(sixteenths)
            fermata[-1] = fermata[-1] or has_fermata
        else:
            pitch.append(midi)
            duration.append(int(sixteenths))
            fermata.append(has_fermata)
        tied = element.tie is not None and element.tie.type in ("start", "continue")
    key = score.analyze("key")
    meters = soprano.flatten().getElementsByClass("TimeSignature")
    return {
        "pitch": pitch,
        "duration": duration,
        "fermata": fermata,
        "tonic": key.tonic.pitchClass,
        "mode": MODES[key.mode],
        "meter": meters[0].numerator if meters else 4,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="only the first N chorales (for a quick test)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()

    from music21 import corpus
    from music21.corpus import chorales

    from course_lib.download import sha256_of

    listed = list(chorales.Iterator(numberingSystem="riemenschneider", returnType="filename"))
    first_number = {}  # some filenames are listed twice: keep the first Riemenschneider number
    for number, name in enumerate(listed, start=1):
        first_number.setdefault(name, number)
    names, numbers = list(first_number), list(first_number.values())
    if args.limit is not None:
        names, numbers = names[: args.limit], numbers[: args.limit]
    start = time.time()
    melodies, ids, kept_numbers, skipped = [], [], [], []
    for name, number in zip(names, numbers):
        chorale_id = name.split("/")[-1]
        try:
            melodies.append(extract_melody(corpus.parse(name)))
        except ValueError as error:
            skipped.append(f"{chorale_id}: {error}")
            continue
        ids.append(chorale_id)
        kept_numbers.append(number)
    lengths = [len(m["pitch"]) for m in melodies]
    tune_of_opening: dict[tuple[int, ...], int] = {}
    tunes = []
    for index, melody in enumerate(melodies):
        sounding = [p for p in melody["pitch"] if p > 0]
        opening = tuple(np.diff(sounding[: OPENING + 1]).tolist())
        tunes.append(tune_of_opening.setdefault(opening, index))
    arrays = {
        "pitch": np.concatenate([m["pitch"] for m in melodies]).astype(np.uint8),
        "duration": np.concatenate([m["duration"] for m in melodies]).astype(np.uint8),
        "fermata": np.concatenate([m["fermata"] for m in melodies]).astype(bool),
        "starts": np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32),
        "chorale_id": np.array(ids),
        "riemenschneider": np.array(kept_numbers, dtype=np.int16),
        "tonic": np.array([m["tonic"] for m in melodies], dtype=np.uint8),
        "mode": np.array([m["mode"] for m in melodies], dtype=np.uint8),
        "meter": np.array([m["meter"] for m in melodies], dtype=np.uint8),
        "tune": np.array(tunes, dtype=np.int16),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out, **arrays)
    print(
        f"{len(melodies)} chorales, {len(set(tunes))} tunes, {sum(lengths):,} notes, "
        f"parsed in {time.time() - start:.0f} s"
    )
    for line in skipped:
        print("skipped", line)
    print(f"wrote {args.out} ({args.out.stat().st_size:,} bytes), sha256 {sha256_of(args.out)}")


if __name__ == "__main__":
    main()
