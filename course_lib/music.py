"""Melodies as sound, MIDI files and pictures, with NumPy and the standard library.

A melody here is two equal-length sequences: MIDI ``pitches`` (60 is middle
C, 69 the A at 440 Hz, 0 a rest) and ``durations`` in quarter notes. This
module turns such a melody into

- audio: :func:`synthesize` renders it with sine tones and an envelope into a
  float array that ``IPython.display.Audio(wave, rate=sample_rate)`` plays in
  a notebook, and :func:`write_wav` saves as a 16-bit WAV file;
- a Standard MIDI File: :func:`write_midi` writes a type-0 file that any
  notation program, sequencer or DAW opens, :func:`read_midi` reads the notes
  of one back;
- a piano-roll plot, :func:`piano_roll`: time across, pitch up.

Example
-------
>>> from course_lib.music import synthesize, note_name
>>> wave = synthesize([60, 64, 67], [1, 1, 2], tempo_bpm=120, sample_rate=8000)
>>> wave.shape, wave.dtype   # 4 quarter notes at 120 per minute: 2 s
((16000,), dtype('float32'))
>>> [note_name(p) for p in (60, 64, 67, 0)]
['C4', 'E4', 'G4', 'rest']
"""

from __future__ import annotations

import struct
import wave as wave_module
from collections.abc import Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

NOTE_NAMES = ["C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"]
TICKS_PER_QUARTER = 480  # time resolution of the MIDI files written here


def _check_melody(pitches: Sequence[int], durations: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    pitches = np.asarray(pitches)
    durations = np.asarray(durations, dtype=np.float64)
    if pitches.ndim != 1 or durations.ndim != 1:
        raise ValueError(
            f"pitches and durations must be 1-D sequences, got shapes {pitches.shape} and {durations.shape}"
        )
    if len(pitches) != len(durations):
        raise ValueError(f"got {len(pitches)} pitches but {len(durations)} durations; they must pair up")
    if len(pitches) and (pitches.min() < 0 or pitches.max() > 127 or not np.all(pitches == np.round(pitches))):
        raise ValueError("pitches must be whole MIDI note numbers in 0..127 (0 for a rest)")
    if len(durations) and not np.all(durations > 0):
        raise ValueError("durations must be positive (in quarter notes)")
    return pitches.astype(np.int64), durations


def note_name(pitch: int) -> str:
    """Scientific pitch name of a MIDI note number; 0 is a rest.

    >>> note_name(69), note_name(61), note_name(0)
    ('A4', 'C#4', 'rest')
    """
    if not 0 <= pitch <= 127:
        raise ValueError(f"MIDI pitches are 0..127, got {pitch}")
    if pitch == 0:
        return "rest"
    return f"{NOTE_NAMES[pitch % 12]}{pitch // 12 - 1}"


def midi_to_hz(pitch: float) -> float:
    """Frequency of a MIDI pitch in equal temperament, A4 (69) = 440 Hz.

    >>> midi_to_hz(69), round(midi_to_hz(60), 2)
    (440.0, 261.63)
    """
    return 440.0 * 2.0 ** ((float(pitch) - 69) / 12)


def synthesize(
    pitches: Sequence[int],
    durations: Sequence[float],
    tempo_bpm: float = 100.0,
    sample_rate: int = 11025,
    harmonics: Sequence[float] = (1.0, 0.4, 0.2, 0.1),
    decay_s: float = 0.8,
) -> np.ndarray:
    """Render a melody as a mono waveform in [-1, 1].

    Each note is a sum of sine waves at the note's frequency and its
    multiples (amplitudes ``harmonics``; partials above the Nyquist frequency
    are left out, so they cannot alias), shaped by an envelope: a 10 ms
    attack, an exponential decay with time constant ``decay_s``, and a 20 ms
    release at the end of the note, so that notes do not click. Rests (pitch 0)
    are silence.

    Parameters
    ----------
    pitches, durations
        MIDI pitches and durations in quarter notes, of equal length.
    tempo_bpm
        Quarter notes per minute.
    sample_rate
        Samples per second. 11,025 Hz keeps a notebook small and is ample
        for these tones; use 22,050 or 44,100 for richer timbres.

    Returns
    -------
    ``float32`` array of ``round(sum(durations) * 60 / tempo_bpm * sample_rate)`` samples.

    >>> wave = synthesize([69, 0], [1, 1], tempo_bpm=60, sample_rate=1000)
    >>> len(wave), float(abs(wave[1000:]).max())   # the rest is silent
    (2000, 0.0)
    """
    pitches, durations = _check_melody(pitches, durations)
    if tempo_bpm <= 0 or sample_rate <= 0:
        raise ValueError(f"tempo_bpm and sample_rate must be positive, got {tempo_bpm} and {sample_rate}")
    seconds_per_quarter = 60.0 / tempo_bpm
    bounds = np.round(np.concatenate([[0.0], np.cumsum(durations)]) * seconds_per_quarter * sample_rate).astype(int)
    out = np.zeros(bounds[-1], dtype=np.float64)
    amplitudes = np.asarray(harmonics, dtype=np.float64)
    scale = 0.8 / amplitudes.sum()
    attack, release = int(0.01 * sample_rate), int(0.02 * sample_rate)
    for pitch, begin, end in zip(pitches, bounds[:-1], bounds[1:]):
        n = end - begin
        if pitch == 0 or n == 0:
            continue
        t = np.arange(n) / sample_rate
        frequency = midi_to_hz(int(pitch))
        tone = np.zeros(n)
        for k, amplitude in enumerate(amplitudes, start=1):
            if k * frequency < sample_rate / 2:
                tone += amplitude * np.sin(2 * np.pi * k * frequency * t)
        envelope = np.exp(-t / decay_s)
        envelope[: min(attack, n)] *= np.linspace(0, 1, min(attack, n), endpoint=False)
        envelope[n - min(release, n) :] *= np.linspace(1, 0, min(release, n))
        out[begin:end] = scale * tone * envelope
    return out.astype(np.float32)


def write_wav(path: str | Path, wave: np.ndarray, sample_rate: int) -> Path:
    """Save a mono waveform in [-1, 1] as a 16-bit PCM WAV file.

    >>> import tempfile, os
    >>> path = write_wav(os.path.join(tempfile.mkdtemp(), "a.wav"), np.zeros(800), 8000)
    >>> path.stat().st_size   # 44-byte header + 2 bytes per sample
    1644
    """
    wave = np.asarray(wave, dtype=np.float64)
    if wave.ndim != 1:
        raise ValueError(f"write_wav writes mono audio: wave must be 1-D, got shape {wave.shape}")
    if np.abs(wave).max(initial=0.0) > 1.0:
        raise ValueError("wave must lie in [-1, 1]; scale it down first")
    path = Path(path)
    with wave_module.open(str(path), "wb") as f:
        f.setnchannels(1)
        f.setsampwidth(2)
        f.setframerate(int(sample_rate))
        f.writeframes((np.round(wave * 32767)).astype("<i2").tobytes())
    return path


def _variable_length(value: int) -> bytes:
    # MIDI's variable-length quantity: 7 bits per byte, high bit set on all but the last byte.
    groups = [value & 0x7F]
    value >>= 7
    while value:
        groups.append((value & 0x7F) | 0x80)
        value >>= 7
    return bytes(reversed(groups))


def _read_variable_length(data: bytes, i: int) -> tuple[int, int]:
    """Decode the MIDI variable-length number starting at ``data[i]``; return it and the index after it."""
    value = 0
    while True:
        byte = data[i]
        i += 1
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value, i


def write_midi(
    path: str | Path,
    pitches: Sequence[int],
    durations: Sequence[float],
    tempo_bpm: float = 100.0,
    velocity: int = 80,
    program: int = 0,
) -> Path:
    """Write a melody as a Standard MIDI File (type 0, one track, channel 1).

    Durations are rounded to 1/480 of a quarter note. Rests (pitch 0) become
    time between notes. ``program`` is the General MIDI instrument
    (0 acoustic grand piano, 19 church organ, 52 choir aahs).

    >>> import tempfile, os
    >>> path = write_midi(os.path.join(tempfile.mkdtemp(), "a.mid"), [60, 0, 67], [1, 0.5, 1.5])
    >>> read_midi(path)
    ([60, 0, 67], [1.0, 0.5, 1.5])
    """
    pitches, durations = _check_melody(pitches, durations)
    if not (0 <= velocity <= 127 and 0 <= program <= 127):
        raise ValueError(f"velocity and program must be in 0..127, got {velocity} and {program}")
    if tempo_bpm <= 0:
        raise ValueError(f"tempo_bpm must be positive, got {tempo_bpm}")
    events = bytearray()
    events += b"\x00\xff\x51\x03" + int(round(60_000_000 / tempo_bpm)).to_bytes(3, "big")  # tempo, µs per quarter
    events += bytes([0x00, 0xC0, program])  # program change
    ticks = np.round(np.cumsum(np.concatenate([[0.0], durations])) * TICKS_PER_QUARTER).astype(int)
    wait = 0  # ticks since the last event
    for pitch, begin, end in zip(pitches, ticks[:-1], ticks[1:]):
        if pitch == 0:
            wait += end - begin
            continue
        events += _variable_length(wait) + bytes([0x90, pitch, velocity])  # note on
        events += _variable_length(end - begin) + bytes([0x80, pitch, 0])  # note off
        wait = 0
    events += _variable_length(wait) + b"\xff\x2f\x00"  # end of track
    header = b"MThd" + struct.pack(">IHHH", 6, 0, 1, TICKS_PER_QUARTER)
    path = Path(path)
    path.write_bytes(header + b"MTrk" + struct.pack(">I", len(events)) + bytes(events))
    return path


def read_midi(path: str | Path) -> tuple[list[int], list[float]]:
    """The melody of a one-voice MIDI file: ``(pitches, durations)``, with 0 for rests.

    Reads the note-on and note-off events of all tracks (running status and
    note-on with velocity 0 included); overlapping notes are not supported,
    as they do not make a melody. Durations are in quarter notes. Silence
    between notes, or before the end of the track, becomes one rest, so
    consecutive rests written by :func:`write_midi` come back merged.

    >>> import tempfile, os
    >>> path = write_midi(os.path.join(tempfile.mkdtemp(), "a.mid"), [0, 0, 62, 0], [1, 1, 0.5, 1])
    >>> read_midi(path)
    ([0, 62, 0], [2.0, 0.5, 1.0])
    """
    data = Path(path).read_bytes()
    if data[:4] != b"MThd" or len(data) < 14:
        raise ValueError(f"{path} is not a Standard MIDI File (no MThd header)")
    division = struct.unpack(">H", data[12:14])[0]
    if division & 0x8000:
        raise ValueError("SMPTE time division is not supported")
    notes = []  # (start tick, end tick, pitch)
    track_end = 0  # the latest end-of-track time: a melody may end with a rest
    position = 8 + struct.unpack(">I", data[4:8])[0]
    while position + 8 <= len(data):
        chunk, length = data[position : position + 4], struct.unpack(">I", data[position + 4 : position + 8])[0]
        i, end, tick, status, sounding = position + 8, position + 8 + length, 0, 0, {}
        position = end
        if end > len(data):
            raise ValueError(f"{path} is truncated: a {chunk!r} chunk needs {length} bytes, the file ends first")
        if chunk != b"MTrk":
            continue
        while i < end:
            delta, i = _read_variable_length(data, i)
            tick += delta
            if data[i] >= 0x80:
                status = data[i]
                i += 1
            if status == 0xFF:  # meta event: type, length, data
                if data[i] == 0x2F:  # end of track
                    track_end = max(track_end, tick)
                size, i = _read_variable_length(data, i + 1)
                i += size
            elif status in (0xF0, 0xF7):  # system exclusive
                raise ValueError("system-exclusive events are not supported")
            else:
                kind, n_data = status & 0xF0, 1 if status & 0xF0 in (0xC0, 0xD0) else 2
                values = data[i : i + n_data]
                i += n_data
                if kind == 0x90 and values[1] > 0:
                    sounding[values[0]] = tick
                elif kind in (0x80, 0x90) and values[0] in sounding:
                    notes.append((sounding.pop(values[0]), tick, values[0]))
    pitches: list[int] = []
    durations: list[float] = []
    now = 0
    for begin, end, pitch in sorted(notes):
        if begin < now:
            raise ValueError("the file has overlapping notes; read_midi reads single melodies only")
        if begin > now:
            pitches.append(0)
            durations.append((begin - now) / division)
        pitches.append(int(pitch))
        durations.append((end - begin) / division)
        now = end
    if track_end > now:
        pitches.append(0)
        durations.append((track_end - now) / division)
    return pitches, durations


def piano_roll(
    pitches: Sequence[int],
    durations: Sequence[float],
    ax: plt.Axes | None = None,
    title: str | None = None,
    color: str = "C0",
    marks: Sequence[bool] | None = None,
) -> plt.Axes:
    """Draw a melody as a piano roll: one bar per note, time (quarter notes) across, pitch up.

    ``marks`` (optional, one flag per note) draws a dot above the flagged
    notes, for example the fermatas that end the phrases of a chorale.

    >>> ax = piano_roll([60, 62, 0, 64], [1, 1, 1, 2], title="three notes and a rest")
    >>> len(ax.patches) >= 3, ax.get_xlabel()
    (True, 'time (quarter notes)')
    """
    pitches, durations = _check_melody(pitches, durations)
    if marks is not None and len(marks) != len(pitches):
        raise ValueError(f"got {len(marks)} marks for {len(pitches)} notes")
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 2.5))
    starts = np.concatenate([[0.0], np.cumsum(durations)[:-1]])
    sounding = pitches > 0
    for start, duration, pitch in zip(starts[sounding], durations[sounding], pitches[sounding]):
        ax.add_patch(plt.Rectangle((start, pitch - 0.4), duration * 0.95, 0.8, color=color))
    if marks is not None:
        flagged = sounding & np.asarray(marks, dtype=bool)
        ax.plot(starts[flagged] + durations[flagged] / 2, pitches[flagged] + 1.2, "k.", markersize=4)
    if sounding.any():
        low, high = pitches[sounding].min(), pitches[sounding].max()
        ax.set_ylim(low - 1.5, high + 2.5)
        ticks = [p for p in range(low, high + 1) if p % 12 in (0, 7)] or [int(low)]  # the Cs and Gs
        ax.set_yticks(ticks, [note_name(p) for p in ticks])
    ax.set_xlim(0, max(durations.sum(), 1))
    ax.set_xlabel("time (quarter notes)")
    ax.set_ylabel("pitch")
    if title:
        ax.set_title(title)
    return ax
