"""Writers of animations, one per format, in a registry filled by `@register`.

Each writer is a context manager: frames go in one at a time (streamed to ffmpeg, never
kept), the file is written under a temporary name and moved into place only when the
block ends without an error. ffmpeg is the one bundled with imageio-ffmpeg.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

import numpy as np

from gdanim.errors import MachineError
from gdanim.files import atomic_path, folder_mode, make_folder

WRITERS: dict[str, type[Writer]] = {}
GIF_FPS = (8, 10, 12.5, 20, 25, 50)
"Frame rates a GIF may have: 8 a second rounds its delays to 12 and 13 hundredths."
# A lookahead of 5 frames instead of veryfast's 10: 15-35 MB less encoder memory at 720p
# (the render's peak), no slower, about 10% smaller files at 51 dB PSNR instead of 53.
# x264 writes its thread count into the stream and its output depends on it: a fixed 3
# (what "auto" picks on 2 cores) makes the same MP4 bytes on any machine with this ffmpeg.
MP4_ARGS = ("-an", "-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p",
            "-threads", "3",
            "-x264-params", "rc-lookahead=5:sync-lookahead=0",
            "-vf", "scale=trunc(iw/2)*2:trunc(ih/2)*2", "-movflags", "+faststart")


class WriterError(MachineError):
    """An encoder that failed; the message carries ffmpeg's own words."""


def register(fmt: str) -> Callable[[type[Writer]], type[Writer]]:
    """Class decorator: make the writer class the one for `fmt`; returns the class."""

    def add(cls: type[Writer]) -> type[Writer]:
        cls.format = fmt
        WRITERS[fmt] = cls
        return cls

    return add


def ffmpeg_exe() -> str:
    """Path of the bundled ffmpeg executable."""
    import imageio_ffmpeg

    try:
        return imageio_ffmpeg.get_ffmpeg_exe()
    except RuntimeError as exc:  # none bundled, none installed
        raise WriterError(f"no ffmpeg: {exc}") from None


def _widen_pipe(fd: int, frame_bytes: int) -> None:
    """Grow the pipe's buffer (64 KB by default) up to one frame, as far as the system
    allows: a 1280x720 frame then crosses in a few system calls instead of sixty."""
    try:
        import fcntl

        limit = int(Path("/proc/sys/fs/pipe-max-size").read_text())
        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, min(frame_bytes, limit))
    except (ImportError, AttributeError, OSError, ValueError):
        pass  # not Linux, or not allowed: the default buffer works, only slower


def _die_with_parent() -> Callable[[], None] | None:
    """A preexec function that has the child killed when its parent dies (Linux): an
    encoder whose worker was killed must not finish a temporary file nobody removes.
    Only in worker processes: a preexec function makes Popen fork instead of spawn, and
    in the main process a Ctrl-C between fork and exec would print a traceback."""
    import multiprocessing

    if not sys.platform.startswith("linux") or multiprocessing.parent_process() is None:
        return None
    try:
        import ctypes

        prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up here, not in the child
    except (OSError, AttributeError):
        return None
    return lambda: prctl(1, 9)  # PR_SET_PDEATHSIG, SIGKILL


class FfmpegPipe:
    """An ffmpeg process reading raw RGBA frames on stdin; its messages go to a temp file."""

    def __init__(self, size: tuple[int, int], fps: int, args: list[str], label: str = "") -> None:
        self.label = f"{label}: " if label else ""
        try:
            self.log = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close() or abort()
        except OSError as exc:
            raise WriterError(f"{self.label}no room for ffmpeg's messages in "
                              f"{tempfile.gettempdir()}: {exc.strerror or exc}") from None
        w, h = size
        cmd = [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
               "-f", "rawvideo", "-pix_fmt", "rgba", "-s", f"{w}x{h}", "-r", str(fps),
               "-i", "pipe:0", *args]
        try:
            self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                         stderr=self.log, preexec_fn=_die_with_parent())
        except OSError as exc:
            self.log.close()
            raise WriterError(f"{self.label}ffmpeg cannot start: {cmd[0]}: {exc.strerror or exc}"
                              " (IMAGEIO_FFMPEG_EXE names another one)") from None
        _widen_pipe(self.proc.stdin.fileno(), w * h * 4)

    def write(self, frame: np.ndarray) -> None:
        """Send one [H, W, 4] uint8 RGBA frame."""
        try:
            self.proc.stdin.write(memoryview(np.ascontiguousarray(frame)).cast("B"))
        except BrokenPipeError:
            self.proc.wait()
            raise WriterError(f"{self.label}ffmpeg stopped{self._how()}: {self._message()}") from None

    def close(self) -> None:
        """Finish the stream; raises WriterError if ffmpeg failed."""
        with contextlib.suppress(BrokenPipeError):
            self.proc.stdin.close()
        if self.proc.wait() != 0:
            raise WriterError(f"{self.label}ffmpeg failed{self._how()}: {self._message()}")
        self.log.close()

    def abort(self) -> None:
        """Stop ffmpeg without finishing the file."""
        with contextlib.suppress(OSError):
            self.proc.stdin.close()
        self.proc.kill()
        self.proc.wait()
        self.log.close()

    def _how(self) -> str:
        code = self.proc.returncode
        if code is not None and code < 0:
            import signal

            with contextlib.suppress(ValueError):
                return f" (killed by {signal.Signals(-code).name})"
        return f" (exit {code})"

    def _message(self) -> str:
        self.log.seek(0)
        lines = self.log.read().decode(errors="replace").strip().splitlines()
        # "[out#0/gif @ 0x55b4...] Error writing trailer: ..." -> "Error writing trailer: ..."
        lines = dict.fromkeys(re.sub(r"^\[[^]]* @ 0x[0-9a-f]+\] ", "", x).strip() for x in lines)
        return "; ".join(x for x in lines if x)[-2000:] or "no message"


class Writer:
    """Base writer: subclasses open(), write(frame) and close(); temp name, then moved."""

    format = ""
    suffix = ""
    poster_only = False
    "True when the writer needs only the poster, not the frames."
    sparse = False
    "True when the writer keeps only every few frames (at a lower frame rate)."

    def __init__(self, final: Path, size: tuple[int, int], fps: int, poster: np.ndarray) -> None:
        self.final, self.size, self.fps, self.poster = Path(final), size, fps, poster
        self._stack = contextlib.ExitStack()

    def __enter__(self) -> Writer:
        self.tmp = self._stack.enter_context(self._temporary())
        try:
            self.open()
        except BaseException:
            self._stack.__exit__(*sys.exc_info())  # the temporary file is removed, not moved
            raise
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None,
                 tb: TracebackType | None) -> None:
        try:
            if et is None:
                self.close()
            else:
                self.abort()
        except BaseException:
            if not self._stack.__exit__(*sys.exc_info()):
                raise
            return
        self._stack.__exit__(et, ev, tb)

    def _temporary(self) -> contextlib.AbstractContextManager[Path]:
        return atomic_path(self.final)

    def open(self) -> None:
        """Start writing to self.tmp."""

    def write(self, frame: np.ndarray) -> None:
        """Add one [H, W, 4] uint8 RGBA frame (it may be reused once this returns)."""

    def close(self) -> None:
        """Finish self.tmp (it is moved onto the final name afterwards)."""

    def abort(self) -> None:
        """Give up after an error (self.tmp is removed afterwards)."""


class _PipeWriter(Writer):
    pipe: FfmpegPipe | None = None

    def write(self, frame: np.ndarray) -> None:
        self.pipe.write(frame)

    def close(self) -> None:
        self.pipe.close()

    def abort(self) -> None:
        if self.pipe is not None:
            self.pipe.abort()


@register("mp4")
class Mp4Writer(_PipeWriter):
    """H.264 in yuv420p, even dimensions, +faststart, no audio."""

    suffix = ".mp4"

    def open(self) -> None:
        self.pipe = FfmpegPipe(self.size, self.fps, [*MP4_ARGS, "-f", "mp4", str(self.tmp)],
                               label=self.final.name)


@register("gif")
class GifWriter(_PipeWriter):
    """A looping GIF with one palette made from the first and the last frame."""

    suffix = ".gif"
    sparse = True

    def open(self) -> None:
        if self.fps not in GIF_FPS:
            raise WriterError(f"GIF delays are whole hundredths: fps {GIF_FPS} are expected, got {self.fps}")
        self._palette = self.tmp.with_suffix(".palette.png")

    def write(self, frame: np.ndarray) -> None:
        if self.pipe is None:
            self._make_palette(frame)
            lavfi = "[0:v][1:v]paletteuse=dither=bayer:bayer_scale=4:diff_mode=rectangle"
            self.pipe = FfmpegPipe(self.size, self.fps, ["-i", str(self._palette), "-lavfi", lavfi,
                                                         "-loop", "0", "-f", "gif", str(self.tmp)],
                                   label=self.final.name)
        self.pipe.write(frame)

    def _make_palette(self, first: np.ndarray) -> None:
        both = np.concatenate([first, self.poster], axis=0)
        pipe = FfmpegPipe((both.shape[1], both.shape[0]), 1, [
            "-vf", "palettegen=max_colors=256:stats_mode=full", "-frames:v", "1",
            "-update", "1", "-f", "image2", str(self._palette)], label=self.final.name)
        pipe.write(both)
        pipe.close()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._palette.unlink(missing_ok=True)

    def abort(self) -> None:
        try:
            super().abort()
        finally:
            self._palette.unlink(missing_ok=True)


@register("png")
class PosterWriter(Writer):
    """The last frame as a PNG image."""

    suffix = ".png"
    poster_only = True

    def close(self) -> None:
        from PIL import Image

        Image.fromarray(np.ascontiguousarray(self.poster[:, :, :3])).save(self.tmp, format="PNG")


@register("frames")
class FrameSequenceWriter(_PipeWriter):
    """A folder of numbered PNG frames and a Beamer snippet (animate package) to show them."""

    suffix = "-frames"
    sparse = True

    def _temporary(self) -> contextlib.AbstractContextManager[Path]:
        return atomic_folder(self.final)

    def open(self) -> None:
        self.count = 0
        self.pipe = FfmpegPipe(self.size, self.fps, [
            "-start_number", "0", "-pix_fmt", "rgb24", "-f", "image2", str(self.tmp / "frame-%05d.png")],
            label=self.final.name)

    def write(self, frame: np.ndarray) -> None:
        super().write(frame)
        self.count += 1

    def close(self) -> None:
        super().close()
        name = self.final.name
        snippet = (
            "% \\usepackage{animate} in the preamble; this folder next to the .tex file\n"
            f"\\animategraphics[loop,controls,width=\\linewidth]{{{self.fps}}}"
            f"{{{name}/frame-}}{{00000}}{{{self.count - 1:05d}}}\n"
        )
        (self.tmp / "animate.tex").write_text(snippet, encoding="utf-8")


@register("handout")
class HandoutWriter(Writer):
    """A one-page A4 landscape PDF of key frames with captions and the analysis; the
    pipeline sets `document` (drawn by gdanim.frames.handout) before the block ends."""

    suffix = ".pdf"
    poster_only = True
    document: bytes = b""

    def close(self) -> None:
        if not self.document:
            raise WriterError(f"{self.final.name}: no handout was drawn")
        try:
            self.tmp.write_bytes(self.document)
        except OSError as exc:
            raise WriterError(f"cannot write {self.final}: {exc.strerror or exc}") from None


@contextlib.contextmanager
def atomic_folder(final: Path):
    """A temporary folder beside `final`, put in its place only if the block succeeds."""
    make_folder(final.parent)
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.", suffix=".part", dir=final.parent))
    except OSError as exc:
        raise WriterError(f"cannot write {final}: {exc.strerror or exc}") from None
    try:
        yield tmp
        os.chmod(tmp, folder_mode())
        old = None
        if final.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{final.name}.", suffix=".old", dir=final.parent))
            os.replace(final, old / "x")
        os.replace(tmp, final)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except OSError as exc:
        raise WriterError(f"cannot write {final}: {exc.strerror or exc}") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
