"""Temporal presentation-attack cues over a window of challenge frames (issue 14, item 3).

Pure functions: a window is a list of per-frame ``TemporalSample`` (taken by ``sample_frame`` from one
BGR frame and its 468 face-mesh points, about 5 ms a 640x480 frame on this loaded machine) and the cues
are computed from the samples, so a caller can sample frames as they arrive and drop the pixels. No Qt,
no kiosk imports.

The cues, and what each is meant to see:

- **Pulse (rPPG) strength, ``rppg_snr_db``.** Blood volume under living skin changes with every heart
  beat; the skin's colour follows it by a fraction of a percent. Per frame we take the mean RGB over the
  skin mask of ``inference.flash`` (face oval without eyes, brows and lips), resample the series to a
  uniform rate on the frames' own timestamps, and project it with POS (Wang, den Brinker, Stuijk, de Haan,
  "Algorithmic principles of remote PPG", IEEE TBME 2017: temporally normalised RGB on the plane
  orthogonal to the skin tone, overlap-added over 1.6 s windows). The pulse signal loses its linear trend
  and everything outside 0.7-4 Hz (42-240 beats a minute; an FFT brick-wall filter). The cue is the SNR of
  de Haan and Jeanne (IEEE TBME 2013): power within 0.1 Hz (at least 1/T for a T-second window) of the
  in-band spectral peak and twice that of its harmonic, against the rest of the band, in dB. A print, a
  mask and an animated still photo have no pulse; a screen replaying a real video still carries the
  recorded person's (attenuated by the screen and the second capture), so this cue cannot be expected to
  see a replay of a real recording.
- **Motion-compensated pulse, ``rppg_mc_snr_db``.** The same, after the colour that follows the head's
  motion (centre, size, turn and nod, per frame from the mesh) is regressed out (``remove_motion``): the
  challenge makes the head turn at about 0.5-1 Hz, inside the pulse band, and shading that follows a turn
  is not a pulse.
- **Background pulse, ``rppg_bg_snr_db``** (a control): the same on the background (outside 1.4x the
  face box). A global light or exposure oscillation in the band shows on both; a pulse only on the skin.
  ``rppg_contrast_db`` is the difference.
- **Flicker peakiness, ``flicker_peak``.** A screen's backlight PWM or refresh, sampled by the camera,
  aliases into a steady beat in the mean brightness of the screen area; a lit room (with mains flicker
  slower than the camera's shutter) and skin do not produce a narrow stable line above the pulse band.
  The cue is the largest power of the detrended skin-luminance spectrum between 4 Hz and the Nyquist
  frequency over the median power there (a white series gives a few; a beat gives hundreds).
- **Moire motion, ``hf_change``.** A screen's pixel grid beats with the camera's into moire that is fixed
  to the device, not to the face shown on it. After motion compensation (each frame's face warped to a
  canonical 64x64 crop by a similarity from the eye corners and the mouth), a living face's fine texture
  stays in place while a pattern fixed to the device slides over the crop as the shown face moves. The
  cue is the median over frame pairs of the high-pass (image minus a 1.5 px Gaussian blur) difference
  energy over the high-pass energy. Compression, noise and non-rigid motion raise it for everyone; a
  still face lowers it for everyone.

Every function raises ``TemporalCueError`` (an ``InferenceError`` and ``ValueError``) with a message a
person can act on: too few frames or seconds, timestamps that do not increase, shapes that disagree, or
missing landmarks.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from inference.errors import InferenceError
from inference.flash import FlashError
from inference.flash import sample_frame as _colour_sample

TEMPORAL_VERSION = "pad-temporal-3"  # bump when a cue's definition changes
SAMPLE_VERSION = "pad-temporal-sample-1"  # bump when sample_frame or hf_change change: cached samples are keyed by it
CUE_NAMES = ("rppg_snr_db", "rppg_mc_snr_db", "rppg_bg_snr_db", "rppg_contrast_db", "flicker_peak", "hf_change")
PULSE_BAND_HZ = (0.7, 4.0)
MIN_SECONDS = 3.5   # the pulse band's low edge needs a few periods: 2.5 cycles at 0.7 Hz (windows of 4 s
                    # with a few frames lost to the mesh still qualify)
MIN_FRAMES = 40     # and at least ~11 frames a second over those 3.5 s
CROP = 64           # canonical face crop side for the moire cue
# Mesh indices: outer eye corners (image left, image right), the mouth's centre (upper/lower lip), nose tip.
_EYE_L, _EYE_R, _LIP_U, _LIP_D, _NOSE = 33, 263, 13, 14, 1
# Where those points land in the canonical crop (x, y as fractions of CROP).
_CANON = np.array([[0.22, 0.36], [0.78, 0.36], [0.50, 0.80]], np.float32)


class TemporalCueError(InferenceError, ValueError):
    """A temporal cue cannot be computed from the frames given (too few, bad timing, bad shapes, no face)."""


@dataclass(frozen=True)
class TemporalSample:
    """What one frame contributes: time (s), mean BGR of the skin and of the background, the head's motion
    (``motion_of``: centre x, y and size in pixels, turn and nod proxies) and the high-passed canonical face
    crop (CROP x CROP float32) for the moire cue."""

    t: float
    skin_bgr: tuple[float, float, float]
    background_bgr: tuple[float, float, float]
    crop_hp: np.ndarray
    motion: tuple[float, ...] = ()


def _points(points: np.ndarray | None) -> np.ndarray:
    if points is None:
        raise TemporalCueError("no face landmarks for this frame: sample only frames where the mesh found the face")
    p = np.asarray(points, np.float64)
    if p.ndim != 2 or p.shape[0] < 468 or p.shape[1] < 2 or not np.all(np.isfinite(p[:468, :2])):
        raise TemporalCueError(f"expected finite face-mesh points of shape (468, 2 or 3), got {p.shape}")
    return p[:468, :2]


def face_crop(frame: np.ndarray, points: np.ndarray | None) -> np.ndarray:
    """The face warped to a CROP x CROP grey float32 crop by a similarity (eye corners, mouth): motion-compensated."""
    import cv2

    p = _points(points)
    src = np.stack([p[_EYE_L], p[_EYE_R], (p[_LIP_U] + p[_LIP_D]) / 2]).astype(np.float32)
    m, _ = cv2.estimateAffinePartial2D(src, _CANON * CROP, method=cv2.LMEDS)
    if m is None:
        raise TemporalCueError("the face landmarks are degenerate (eyes and mouth on one point)")
    grey = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY) if frame.ndim == 3 else frame
    return cv2.warpAffine(grey, m, (CROP, CROP), flags=cv2.INTER_AREA if m[0, 0] ** 2 + m[0, 1] ** 2 < 1
                          else cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE).astype(np.float32)


def high_pass(crop: np.ndarray) -> np.ndarray:
    """Crop minus its Gaussian blur (sigma 1.5 px): the fine texture, where moire and pores live."""
    import cv2

    return crop - cv2.GaussianBlur(crop, (0, 0), 1.5)


def sample_frame(t: float, frame: np.ndarray, points: np.ndarray | None) -> TemporalSample:
    """One frame's ``TemporalSample`` (BGR uint8 frame, its 468 mesh points in frame pixels)."""
    p = _points(points)
    try:
        colour = _colour_sample(t, frame, p)
    except FlashError as exc:
        raise TemporalCueError(str(exc)) from exc
    return TemporalSample(float(t), colour.face_bgr, colour.background_bgr, high_pass(face_crop(frame, p)),
                          motion_of(p))


def motion_of(points: np.ndarray) -> tuple[float, float, float, float, float]:
    """The head's pose in one frame, as regressors for the pulse: centre (x, y), size (eye-corner distance),
    and turn and nod proxies (the nose tip's offset from the eyes' midpoint, over the size)."""
    p = _points(points)
    eyes = (p[_EYE_L] + p[_EYE_R]) / 2
    size = float(np.linalg.norm(p[_EYE_R] - p[_EYE_L])) or 1.0
    nose = (p[_NOSE] - eyes) / size
    centre = p.mean(axis=0)
    return float(centre[0]), float(centre[1]), size, float(nose[0]), float(nose[1])


def _timeline(t: Sequence[float] | np.ndarray, n: int, min_seconds: float, min_frames: int) -> np.ndarray:
    ts = np.asarray(t, np.float64).ravel()
    if ts.size != n:
        raise TemporalCueError(f"{ts.size} timestamps for {n} frames: give one timestamp per frame")
    if n < min_frames:
        raise TemporalCueError(f"{n} frames: a temporal cue needs at least {min_frames} (about {min_seconds:.0f} s)")
    if not np.all(np.isfinite(ts)) or np.any(np.diff(ts) <= 0):
        raise TemporalCueError("frame timestamps must be finite and strictly increasing (seconds)")
    if ts[-1] - ts[0] < min_seconds:
        raise TemporalCueError(f"the frames span {ts[-1] - ts[0]:.2f} s; a temporal cue needs at least "
                               f"{min_seconds:.1f} s")
    return ts


def resample(t: np.ndarray, x: np.ndarray, fs: float | None = None) -> tuple[np.ndarray, float]:
    """(x linearly resampled on a uniform grid, its rate). ``fs`` defaults to the median frame rate."""
    t = np.asarray(t, np.float64)
    x = np.asarray(x, np.float64)
    if fs is None:
        fs = 1.0 / float(np.median(np.diff(t)))
    grid = t[0] + np.arange(int(math.floor((t[-1] - t[0]) * fs)) + 1) / fs
    cols = x.reshape(len(t), -1)
    out = np.stack([np.interp(grid, t, cols[:, k]) for k in range(cols.shape[1])], axis=1)
    return out.reshape((len(grid),) + x.shape[1:]), float(fs)


def _detrend(x: np.ndarray, fs: float, cutoff_hz: float = 0.5) -> np.ndarray:
    """Remove the slow drift: subtract a centred moving average about one ``cutoff_hz`` period long."""
    k = max(3, int(round(fs / cutoff_hz)) | 1)
    pad = np.pad(x, (k // 2, k // 2), mode="reflect")
    return x - np.convolve(pad, np.ones(k) / k, mode="valid")


def _spectrum(x: np.ndarray, fs: float, resolution_hz: float = 0.02) -> tuple[np.ndarray, np.ndarray]:
    """(frequencies, power) of a Hann-windowed, zero-padded real series."""
    n = max(len(x), int(2 ** math.ceil(math.log2(fs / resolution_hz))))
    spec = np.abs(np.fft.rfft((x - x.mean()) * np.hanning(len(x)), n=n)) ** 2
    return np.fft.rfftfreq(n, 1.0 / fs), spec


def pos_pulse(rgb: np.ndarray, fs: float, window_s: float = 1.6) -> np.ndarray:
    """The POS pulse signal (Wang et al. 2017) of a uniformly sampled (n, 3) RGB series at ``fs`` Hz."""
    c = np.asarray(rgb, np.float64)
    if c.ndim != 2 or c.shape[1] != 3:
        raise TemporalCueError(f"POS needs an (n, 3) RGB series, got shape {c.shape}")
    proj = np.array([[0.0, 1.0, -1.0], [-2.0, 1.0, 1.0]])
    n, w = len(c), max(2, int(round(window_s * fs)))
    h = np.zeros(n)
    for start in range(0, max(1, n - w + 1)):
        seg = c[start:start + w]
        mean = seg.mean(axis=0)
        if np.any(mean <= 0):
            continue  # a black segment carries no colour
        s = (seg / mean) @ proj.T
        sd1 = s[:, 1].std()
        p = s[:, 0] + (s[:, 0].std() / sd1 if sd1 > 1e-12 else 0.0) * s[:, 1]
        h[start:start + w] += p - p.mean()
    return h


def band_pass(x: np.ndarray, fs: float, band: tuple[float, float]) -> np.ndarray:
    """``x`` without its linear trend and everything outside ``band`` (Hz): an FFT brick-wall on a 2x-padded series.

    A 4 s window's Hann spectrum leaks a strong drift or a slow head turn up to 2/T = 0.5 Hz above its own
    frequency, i.e. into the pulse band's low edge; removing it before the spectrum keeps it out.
    """
    x = np.asarray(x, np.float64)
    k = np.arange(len(x))
    x = x - np.polyval(np.polyfit(k, x, 1), k)
    n = 2 * len(x)
    spec = np.fft.rfft(x, n=n)
    f = np.fft.rfftfreq(n, 1.0 / fs)
    spec[(f < band[0]) | (f > band[1])] = 0.0
    return np.fft.irfft(spec, n=n)[:len(x)]


def pulse_snr(pulse: np.ndarray, fs: float, band: tuple[float, float] = PULSE_BAND_HZ) -> tuple[float, float]:
    """(SNR in dB, peak frequency in Hz) of a pulse signal: the peak and its harmonic vs the rest of the band.

    The peak's share is +-0.1 Hz around it (+-0.2 Hz around the harmonic), as de Haan and Jeanne define it
    for 30 s windows, but at least +-1/T for a window of T seconds: a Hann-windowed line of a short window
    is that wide, and counting its skirt as noise would call a clean 4 s pulse noisy.
    """
    x = band_pass(np.asarray(pulse, np.float64), fs, band)
    half = max(0.1, 1.0 / (len(x) / fs))
    f, p = _spectrum(x, fs)
    inband = (f >= band[0]) & (f <= band[1])
    if not inband.any() or p[inband].sum() <= 0:
        return float("-inf"), float("nan")
    f0 = float(f[inband][np.argmax(p[inband])])
    signal = inband & ((np.abs(f - f0) <= half) | (np.abs(f - 2 * f0) <= 2 * half))
    noise = inband & ~signal
    ps, pn = float(p[signal].sum()), float(p[noise].sum())
    if pn <= 0:
        return float("inf"), f0
    return 10.0 * math.log10(max(ps, 1e-300) / pn), f0


def remove_motion(rgb: np.ndarray, motion: np.ndarray, fs: float, band: tuple[float, float] = PULSE_BAND_HZ
                  ) -> np.ndarray:
    """Uniform (n, 3) RGB with the part that follows the head's motion regressed out, inside ``band``.

    Colour that changes with where the head is (shading as it turns, background creeping into the mask,
    an animated photo's warping) is not blood. Each channel, normalised by its mean and band-passed, is
    fitted by least squares on the band-passed motion regressors (``motion_of``); the fit is subtracted. A
    pulse uncorrelated with the motion survives (a regression on 5 columns over ~100 samples takes about 5%
    of any signal's power by chance).
    """
    c = np.asarray(rgb, np.float64)
    m = np.asarray(motion, np.float64)
    if m.ndim != 2 or len(m) != len(c):
        raise TemporalCueError(f"{len(m)} motion rows for {len(c)} colour rows: one per frame")
    mean = c.mean(axis=0)
    cn = np.stack([band_pass(c[:, k] / mean[k] - 1.0, fs, band) for k in range(3)], axis=1)
    mb = np.stack([band_pass(m[:, k], fs, band) for k in range(m.shape[1])], axis=1)
    scale = mb.std(axis=0)
    keep = scale > 1e-9  # a still head gives nothing to regress
    if keep.any():
        z = mb[:, keep] / scale[keep]
        beta, *_ = np.linalg.lstsq(z, cn, rcond=None)
        cn = cn - z @ beta
    return (1.0 + cn) * mean


def rppg_snr(t: Sequence[float] | np.ndarray, bgr: np.ndarray, min_seconds: float = MIN_SECONDS,
             min_frames: int = MIN_FRAMES, motion: np.ndarray | None = None) -> tuple[float, float]:
    """(SNR dB, pulse Hz) of the POS pulse in an (n, 3) BGR series of region means taken at times ``t``;
    with ``motion`` (n, k regressors, e.g. ``motion_of`` per frame) the colour that follows it is removed first."""
    c = np.asarray(bgr, np.float64)
    if c.ndim != 2 or c.shape[1] != 3:
        raise TemporalCueError(f"expected an (n, 3) series of mean BGR values, got shape {c.shape}")
    if not np.all(np.isfinite(c)):
        raise TemporalCueError("the colour series has missing values (a frame without skin or background)")
    ts = _timeline(t, len(c), min_seconds, min_frames)
    uniform, fs = resample(ts, c[:, ::-1])
    if motion is not None:
        m = np.asarray(motion, np.float64)
        if m.ndim != 2 or len(m) != len(c) or not np.all(np.isfinite(m)):
            raise TemporalCueError(f"motion must be finite, one row per frame: got {m.shape} for {len(c)} frames")
        uniform = remove_motion(uniform, resample(ts, m, fs)[0], fs)
    return pulse_snr(pos_pulse(uniform, fs), fs)


def flicker_peak(t: Sequence[float] | np.ndarray, luma: np.ndarray, low_hz: float = 4.0,
                 min_seconds: float = MIN_SECONDS, min_frames: int = MIN_FRAMES) -> tuple[float, float]:
    """(peak power over the median power between ``low_hz`` and Nyquist, peak Hz) of a brightness series."""
    y = np.asarray(luma, np.float64).ravel()
    if not np.all(np.isfinite(y)):
        raise TemporalCueError("the brightness series has missing values")
    ts = _timeline(t, len(y), min_seconds, min_frames)
    u, fs = resample(ts, y)
    if fs / 2 <= low_hz:
        raise TemporalCueError(f"the frame rate ({fs:.1f}/s) leaves nothing above {low_hz} Hz to look at")
    f, p = _spectrum(_detrend(u, fs, cutoff_hz=1.0), fs, resolution_hz=fs / len(u))
    band = (f >= low_hz) & (f < fs / 2)
    med = float(np.median(p[band]))
    if med <= 0:
        return 0.0, float("nan")
    k = int(np.argmax(np.where(band, p, -1.0)))
    return float(p[k] / med), float(f[k])


def hf_change(crops: Sequence[np.ndarray] | np.ndarray) -> float:
    """Median over consecutive pairs of ||hp_t - hp_(t-1)||^2 / mean(||hp||^2) of high-passed face crops."""
    c = np.asarray(crops, np.float64)
    if c.ndim != 3 or len(c) < 2:
        raise TemporalCueError(f"expected at least two high-passed crops of one size, got shape {c.shape}")
    energy = (c ** 2).mean(axis=(1, 2))
    diff = (np.diff(c, axis=0) ** 2).mean(axis=(1, 2))
    denom = (energy[1:] + energy[:-1])
    ok = denom > 1e-12
    if not ok.any():
        return 0.0
    return float(np.median(diff[ok] / denom[ok]))


def _luma(bgr: np.ndarray) -> np.ndarray:
    return bgr @ np.array([0.114, 0.587, 0.299])


def series_cues(t: np.ndarray, skin: np.ndarray, back: np.ndarray, motion: np.ndarray,
                min_seconds: float = MIN_SECONDS, min_frames: int = MIN_FRAMES) -> dict[str, float]:
    """The colour cues (pulse, background pulse, flicker) from per-frame series: times (n,), skin and
    background mean BGR (n, 3; background NaN when the face fills the frame), motion (n, k)."""
    snr, hz = rppg_snr(t, skin, min_seconds, min_frames)
    mc_snr, mc_hz = rppg_snr(t, skin, min_seconds, min_frames, motion=motion)
    if np.all(np.isfinite(back)):
        bg_snr, _ = rppg_snr(t, back, min_seconds, min_frames)
    else:  # the face fills the frame: no background to compare with
        bg_snr = float("nan")
    peak, _ = flicker_peak(t, _luma(skin), min_seconds=min_seconds, min_frames=min_frames)
    return {"rppg_snr_db": snr, "rppg_mc_snr_db": mc_snr, "rppg_bg_snr_db": bg_snr,
            "rppg_contrast_db": snr - bg_snr, "flicker_peak": peak, "pulse_hz": hz, "pulse_mc_hz": mc_hz}


def window_series(samples: Sequence[TemporalSample]) -> dict[str, np.ndarray]:
    """The per-frame series of a window of samples (what ``series_cues`` takes), checked."""
    if not samples:
        raise TemporalCueError("no frames with a face in the window")
    if len({len(s.motion) for s in samples}) != 1:
        raise TemporalCueError("some samples lack the head's motion: take every sample with sample_frame")
    return {"t": np.array([s.t for s in samples]), "skin": np.array([s.skin_bgr for s in samples], np.float64),
            "back": np.array([s.background_bgr for s in samples], np.float64),
            "motion": np.array([s.motion for s in samples], np.float64).reshape(len(samples), -1)}


def temporal_cues(samples: Sequence[TemporalSample], min_seconds: float = MIN_SECONDS,
                  min_frames: int = MIN_FRAMES) -> dict[str, float]:
    """Every cue of ``CUE_NAMES`` over one window of samples (in time order), plus the pulse's frequency."""
    series = window_series(samples)
    shapes = {s.crop_hp.shape for s in samples}
    if len(shapes) != 1:
        raise TemporalCueError(f"the face crops differ in shape ({sorted(shapes)}): sample every frame alike")
    cues = series_cues(series["t"], series["skin"], series["back"], series["motion"], min_seconds, min_frames)
    return {**cues, "hf_change": hf_change([s.crop_hp for s in samples])}


# Which way each cue points: +1 when a larger value means "more likely an attack".
ATTACK_DIRECTION = {"rppg_snr_db": -1.0, "rppg_mc_snr_db": -1.0, "rppg_bg_snr_db": 1.0, "rppg_contrast_db": -1.0,
                    "flicker_peak": 1.0, "hf_change": 1.0}
