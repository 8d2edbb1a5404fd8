"""course_lib.music (audio, MIDI, piano roll), the Bach chorale loader and scripts/extract_chorales.py."""

import importlib.util
import struct
import wave
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_lib.data import load_bach_chorales, load_dataset  # noqa: E402
from course_lib.music import (  # noqa: E402
    midi_to_hz,
    note_name,
    piano_roll,
    read_midi,
    synthesize,
    write_midi,
    write_wav,
)

ROOT = Path(__file__).resolve().parent.parent

# ---------------------------------------------------------------- audio


def test_synthesize_length_range_and_silence():
    wave_ = synthesize([60, 0, 72], [1, 0.5, 1.5], tempo_bpm=120, sample_rate=8000)
    assert wave_.dtype == np.float32
    assert len(wave_) == round(3 * 0.5 * 8000)  # 3 quarter notes at 0.5 s each
    assert np.abs(wave_).max() <= 0.8 + 1e-6
    rest = wave_[4000:6000]  # the rest, from 0.5 s to 0.75 s
    assert np.abs(rest).max() == 0.0
    assert np.abs(wave_[:4000]).max() > 0.3  # the notes are audible
    assert abs(wave_[0]) < 1e-6 and abs(wave_[3999]) < 1e-3  # attack and release: no clicks


def test_synthesize_plays_the_right_frequency():
    rate = 8000
    wave_ = synthesize([69], [2], tempo_bpm=60, sample_rate=rate, harmonics=(1.0,))
    spectrum = np.abs(np.fft.rfft(wave_))
    peak_hz = np.argmax(spectrum) * rate / len(wave_)
    assert abs(peak_hz - 440.0) < 1.0


def test_synthesize_drops_partials_above_nyquist():
    # At 2 kHz the A6 (1760 Hz) has no room for harmonics: a pure tone.
    wave_ = synthesize([93], [1], tempo_bpm=60, sample_rate=4000, harmonics=(1.0, 1.0))
    spectrum = np.abs(np.fft.rfft(wave_))
    freqs = np.fft.rfftfreq(len(wave_), 1 / 4000)
    assert spectrum[freqs > 1900].max() < 0.01 * spectrum.max()


def test_midi_to_hz_and_note_names():
    assert midi_to_hz(81) == pytest.approx(880.0)
    assert [note_name(p) for p in (21, 60, 70, 108)] == ["A0", "C4", "Bb4", "C8"]
    with pytest.raises(ValueError, match="0..127"):
        note_name(128)


def test_write_wav_has_the_right_length(tmp_path):
    signal = synthesize([60, 64], [1, 1], tempo_bpm=100, sample_rate=11025)
    path = write_wav(tmp_path / "melody.wav", signal, 11025)
    with wave.open(str(path)) as f:
        assert (f.getnchannels(), f.getsampwidth(), f.getframerate()) == (1, 2, 11025)
        assert f.getnframes() == len(signal) == round(1.2 * 11025)
        frames = np.frombuffer(f.readframes(f.getnframes()), dtype="<i2")
    assert np.allclose(frames / 32767, signal, atol=1 / 32767)


@pytest.mark.parametrize(
    "pitches, durations, message",
    [
        ([60, 62], [1], "pair up"),
        ([[60]], [[1]], "1-D"),
        ([60, 200], [1, 1], "0..127"),
        ([60.5], [1], "whole MIDI"),
        ([60], [0], "positive"),
    ],
)
def test_bad_melodies_are_refused(pitches, durations, message):
    with pytest.raises(ValueError, match=message):
        synthesize(pitches, durations)
    with pytest.raises(ValueError, match=message):
        write_midi("unused.mid", pitches, durations)


def test_bad_audio_settings_are_refused(tmp_path):
    with pytest.raises(ValueError, match="positive"):
        synthesize([60], [1], tempo_bpm=0)
    with pytest.raises(ValueError, match=r"\[-1, 1\]"):
        write_wav(tmp_path / "loud.wav", np.array([0.5, 1.5]), 8000)
    with pytest.raises(ValueError, match="mono"):
        write_wav(tmp_path / "stereo.wav", np.zeros((10, 2)), 8000)


# ---------------------------------------------------------------- MIDI


def test_midi_round_trip_with_our_reader(tmp_path):
    pitches = [60, 62, 0, 64, 65, 0, 67]
    durations = [1, 0.5, 0.25, 2, 1.5, 1, 4]
    path = write_midi(tmp_path / "m.mid", pitches, durations, tempo_bpm=90, program=19)
    raw = path.read_bytes()
    assert raw[:4] == b"MThd" and struct.unpack(">HHH", raw[8:14]) == (0, 1, 480)  # type 0, one track
    assert raw[14:18] == b"MTrk" and raw.endswith(b"\xff\x2f\x00")
    assert read_midi(path) == (pitches[:-1] + [67], [float(d) for d in durations])


def test_midi_long_notes_use_multibyte_delta_times(tmp_path):
    path = write_midi(tmp_path / "long.mid", [60, 0, 62], [40, 100, 0.125])  # 19,200 and 48,000 ticks
    assert read_midi(path) == ([60, 0, 62], [40.0, 100.0, 0.125])


def test_midi_file_parses_with_music21(tmp_path):
    music21 = pytest.importorskip("music21", reason="music21 is optional: only scripts/extract_chorales.py needs it")
    path = write_midi(tmp_path / "m.mid", [67, 69, 0, 71], [1, 0.5, 0.5, 2], tempo_bpm=100)
    score = music21.converter.parse(str(path))
    notes = list(score.flatten().notes)
    assert [n.pitch.midi for n in notes] == [67, 69, 71]
    assert [float(n.quarterLength) for n in notes] == [1.0, 0.5, 2.0]
    assert [float(n.offset) for n in notes] == [0.0, 1.0, 2.0]
    tempo = score.flatten().getElementsByClass("MetronomeMark")[0]
    assert tempo.number == pytest.approx(100)


def test_read_midi_refuses_other_files(tmp_path):
    path = tmp_path / "not.mid"
    path.write_bytes(b"RIFF1234WAVE")
    with pytest.raises(ValueError, match="not a Standard MIDI File"):
        read_midi(path)
    # Two notes sounding at once (a chord) are not a melody.
    track = bytes([0, 0x90, 60, 80, 0, 0x90, 64, 80, 0x83, 0x60, 0x80, 60, 0, 0, 0x80, 64, 0, 0, 0xFF, 0x2F, 0])
    chord = b"MThd" + struct.pack(">IHHH", 6, 0, 1, 480) + b"MTrk" + struct.pack(">I", len(track)) + track
    (tmp_path / "chord.mid").write_bytes(chord)
    with pytest.raises(ValueError, match="overlapping"):
        read_midi(tmp_path / "chord.mid")
    # A file cut short (an interrupted download or copy) is named as such.
    whole = write_midi(tmp_path / "whole.mid", [60, 62, 64], [1, 1, 2]).read_bytes()
    (tmp_path / "cut.mid").write_bytes(whole[:-6])
    with pytest.raises(ValueError, match="truncated"):
        read_midi(tmp_path / "cut.mid")


def test_read_midi_handles_running_status_and_zero_velocity(tmp_path):
    # Note on C4, then (running status) "note on" with velocity 0 as note off, then D4 the same way.
    track = bytes([0, 0x90, 60, 90, 0x83, 0x60, 60, 0, 0, 62, 90, 0x81, 0x70, 62, 0, 0, 0xFF, 0x2F, 0])
    smf = b"MThd" + struct.pack(">IHHH", 6, 0, 1, 480) + b"MTrk" + struct.pack(">I", len(track)) + track
    (tmp_path / "running.mid").write_bytes(smf)
    assert read_midi(tmp_path / "running.mid") == ([60, 62], [1.0, 0.5])


# ---------------------------------------------------------------- piano roll


def test_piano_roll_draws_one_bar_per_sounding_note():
    fig, ax = plt.subplots()
    piano_roll([60, 0, 64, 67], [1, 1, 1, 2], ax=ax, marks=[False, False, False, True], title="t")
    assert len(ax.patches) == 3
    assert ax.get_xlim() == (0.0, 5.0)
    assert ax.get_title() == "t" and ax.get_ylabel() == "pitch"
    plt.close(fig)
    with pytest.raises(ValueError, match="marks"):
        piano_roll([60], [1], marks=[True, False])
    empty = piano_roll([], [])
    assert len(empty.patches) == 0
    plt.close("all")


# ---------------------------------------------------------------- the loader


def test_chorale_split_sizes_and_types():
    parts = {name: load_bach_chorales(name) for name in ("train", "val", "test", "all")}
    assert [len(parts[n]) for n in ("train", "val", "test", "all")] == [275, 35, 36, 346]
    ids = {n: {c.chorale_id for c in parts[n]} for n in ("train", "val", "test")}
    assert not ids["train"] & ids["val"] and not ids["train"] & ids["test"] and not ids["val"] & ids["test"]
    assert len(ids["train"] | ids["val"] | ids["test"]) == 346
    c = parts["train"][0]
    assert c.pitch.dtype == np.uint8 and c.duration.dtype == np.uint8 and c.fermata.dtype == bool
    assert c.pitch.shape == c.duration.shape == c.fermata.shape and c.pitch.ndim == 1
    assert all(22 <= len(c.pitch) <= 219 for c in parts["all"])
    assert all(c.duration.min() >= 1 for c in parts["all"])
    assert sum(c.fermata.any() for c in parts["all"]) == 344  # two chorales mark no fermata
    assert load_dataset("bach_chorales", split="val")[0].chorale_id == parts["val"][0].chorale_id


def test_split_keeps_every_tune_in_one_part():
    # No melody of the validation or test set is (a transposed copy of) a training melody.
    def opening(c):
        sounding = c.pitch[c.pitch > 0].astype(int)
        return tuple(np.diff(sounding[:9]))

    train_openings = {opening(c) for c in load_bach_chorales("train")}
    for part in ("val", "test"):
        assert not any(opening(c) in train_openings for c in load_bach_chorales(part))


def test_transpose_moves_every_melody_to_c():
    original = load_bach_chorales("all", transpose=False)
    moved = load_bach_chorales("all")
    for a, b in zip(original, moved):
        assert b.tonic == 0 and a.mode == b.mode and a.chorale_id == b.chorale_id
        shift = (b.pitch.astype(int) - a.pitch.astype(int))[a.pitch > 0]
        assert len(set(shift.tolist())) == 1 and -6 <= shift[0] <= 5 and (a.tonic + shift[0]) % 12 == 0
        assert ((a.pitch == 0) == (b.pitch == 0)).all()
    assert len({c.tonic for c in original}) >= 6  # many keys before, one after


def test_loader_returns_copies():
    first = load_bach_chorales("all")[0]
    first.pitch[:] = 0
    assert load_bach_chorales("all")[0].pitch.max() > 0


def test_unknown_split_is_refused():
    with pytest.raises(ValueError, match="split must be one of"):
        load_bach_chorales("validation")


def _extract_module():
    spec = importlib.util.spec_from_file_location("extract_chorales", ROOT / "scripts" / "extract_chorales.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_extraction_script_matches_the_shipped_file():
    pytest.importorskip("music21", reason="music21 is optional: only scripts/extract_chorales.py needs it")
    from music21 import corpus

    extract = _extract_module()
    shipped = load_bach_chorales("all", transpose=False)
    by_id = {c.chorale_id: c for c in shipped}
    for chorale_id in ("bwv269", "bwv347", "bwv86.6"):  # three chorales: parsing takes about 0.3 s each
        melody = extract.extract_melody(corpus.parse(f"bach/{chorale_id}"))
        expected = by_id[chorale_id]
        assert melody["pitch"] == expected.pitch.tolist()
        assert melody["duration"] == expected.duration.tolist()
        assert melody["fermata"] == expected.fermata.tolist()
        assert (melody["tonic"], melody["mode"], melody["meter"]) == (expected.tonic, expected.mode, expected.meter)
