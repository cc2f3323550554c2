"""A CSV file's bytes as UTF-8 text with LF line ends, for Arrow to parse.

:class:`TextStream` is the file object Arrow's streaming CSV reader reads
(see :mod:`ingest.tables.csv_reader`):

* it decodes the file in its encoding a block of whole lines at a time; a
  line the encoding refuses (a GBK row deep in a UTF-8 file) is decoded by
  the fallback (GB18030 for UTF-8, UTF-8 for GB18030), recorded as an
  event for its row to be named; with an explicit encoding the line is
  recorded as refused.  UTF-16 and other encodings that are not
  ASCII-compatible are decoded as a stream, strictly;
* CR LF and lone CR line ends become LF (old Mac exports);
* the header's bytes are skipped, so Arrow's first record is the first
  data record; the SHA-256 of the file's bytes is computed on the way;
* a marker line (:data:`SENTINEL`) ends the text: found inside a value, it
  tells that a quote was never closed.
"""

from __future__ import annotations

import codecs
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, NamedTuple

from grid.errors import RegistryFileError
from ingest.tables.reader import detect_encoding, message, refuse

#: Bytes read from the file at a time.
READ_BYTES: Final = 1 << 20
#: Marker line appended to the text: inside a value, a quote was not closed.
SENTINEL: Final = "\x1e\x1ftwonet: end of file\x1f\x1e"


@dataclass(frozen=True)
class Plan:
    """How a CSV file's bytes are decoded."""

    encoding: str  # as reported
    codec: str  # Python codec
    by_lines: bool  # ASCII-compatible: decoded a block of whole lines at a time
    fallback: str | None  # codec for a line ``codec`` refuses; None: refuse
    bom: bytes = b""  # removed at the start


class Event(NamedTuple):
    """A line decoded otherwise than by the plan's codec."""

    line: int  # line of the text (1-based, from the file's start)
    kind: str  # the fallback codec used, "replaced" or "refused"


class TextStream(io.RawIOBase):
    """A CSV file's text as UTF-8 with LF line ends, read by Arrow.

    Parameters
    ----------
    path : Path
    plan : Plan
    skip : int
        Bytes of text dropped at the start (the header).
    sentinel : bool
        Append :data:`SENTINEL` as a last line.

    Attributes
    ----------
    lines : int
        Line ends passed so far (the header's included).
    events : list
        Lines decoded otherwise than by the plan's codec.
    saw_nul : bool
        A NUL character was passed.
    error : RegistryFileError or None
        Why the text ended early (UTF-16 that cannot be decoded).
    """

    def __init__(
        self, path: Path, plan: Plan, *, skip: int = 0, sentinel: bool = False
    ) -> None:
        super().__init__()
        self._handle = path.open("rb")
        self._label = path.name
        self._plan = plan
        self._skip = skip
        self._sentinel = sentinel
        self._digest = hashlib.sha256()
        self._decoder = codecs.getincrementaldecoder(plan.codec)("strict")
        self._carry = b""
        self._text_carry = ""
        self._out = bytearray()
        self._consumed = 0
        self._emitted = 0
        self._last = b""
        self.lines = 0
        self.events: list[Event] = []
        self.saw_nul = False
        self.error: RegistryFileError | None = None
        self.done = False

    def readable(self) -> bool:
        """Return True: the stream is read."""
        return True

    def read(self, size: int | None = -1) -> bytes:
        """Return up to ``size`` bytes of text (all that is left when negative)."""
        while not self.done and (size is None or size < 0 or len(self._out) < size):
            self._fill()
        n = len(self._out) if size is None or size < 0 else min(size, len(self._out))
        data = bytes(self._out[:n])
        del self._out[:n]
        return data

    def readinto(self, buffer: Any) -> int:
        """Read into ``buffer``; return the number of bytes read."""
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        """Stop: no more text is read."""
        self.done = True
        self._out.clear()
        self._handle.close()
        super().close()

    @property
    def exhausted(self) -> bool:
        """Every byte of text has been read."""
        return self.done and not self._out

    @property
    def sha256(self) -> str:
        """SHA-256 of the file's bytes read (the whole file once exhausted)."""
        return self._digest.hexdigest()

    def _fill(self) -> None:
        raw = self._handle.read(READ_BYTES)
        self._digest.update(raw)
        eof = not raw
        if self._consumed == 0 and self._plan.bom and raw.startswith(self._plan.bom):
            raw = raw[len(self._plan.bom) :]
            self._consumed = len(self._plan.bom)
        if self._plan.by_lines:
            text = self._decode_lines(raw, eof)
        else:
            text = self._decode_stream(raw, eof)
            eof = eof or self.error is not None
        self._consumed += len(raw)
        self._emit(text)
        if eof:
            self._finish()

    def _decode_lines(self, raw: bytes, eof: bool) -> bytes:
        data = self._carry + raw
        if eof:
            self._carry = b""
        else:
            cut = _line_cut(data)
            data, self._carry = data[:cut], data[cut:]
        if b"\r" in data:
            data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        return self._validate(data)

    def _validate(self, data: bytes) -> bytes:
        """Decode whole lines; rescue a line the codec refuses."""
        codec = self._plan.codec
        view = memoryview(data)
        pieces: list[bytes] = []
        pos, line = 0, self.lines  # line ends before ``pos``
        while pos < len(data):
            try:
                text = codecs.decode(view[pos:], codec)
            except UnicodeDecodeError as exc:
                bad = pos + exc.start
                start = data.rfind(b"\n", pos, bad) + 1 or pos
                end = data.find(b"\n", bad) + 1 or len(data)
                pieces.append(_utf8(data[pos:start], codec))
                line += data.count(b"\n", pos, start)
                pieces.append(self._rescue(data[start:end], line + 1))
                line += data.count(b"\n", start, end)
                pos = end
            else:
                if codec != "utf-8":
                    pieces.append(text.encode())
                else:
                    pieces.append(data if pos == 0 else bytes(view[pos:]))
                break
        return b"".join(pieces)

    def _rescue(self, line: bytes, number: int) -> bytes:
        plan = self._plan
        kind = "refused" if plan.fallback is None else plan.fallback
        try:
            text = line.decode(plan.fallback or plan.codec)
        except UnicodeDecodeError:
            text = line.decode(plan.codec, "replace")
            kind = "refused" if plan.fallback is None else "replaced"
        self.events.append(Event(number, kind))
        return text.encode()

    def _decode_stream(self, raw: bytes, eof: bool) -> bytes:
        try:
            text = self._decoder.decode(raw, final=eof)
        except UnicodeDecodeError as exc:
            where = self._consumed + exc.start
            self.error = refuse(
                f"cannot decode {self._label!r} as {self._plan.encoding}: "
                f"{exc.reason} at byte {where}; give the file's encoding (encoding=)",
                f"无法按{self._plan.encoding}解码“{self._label}”(第{where}字节)，"
                "请指定文件编码",
            )
            return b""
        text = self._text_carry + text
        self._text_carry = ""
        if not eof and text.endswith("\r"):
            text, self._text_carry = text[:-1], "\r"
        if "\r" in text:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        return text.encode()

    def _emit(self, data: bytes) -> None:
        if not data:
            return
        if b"\x00" in data:
            self.saw_nul = True
        self.lines += data.count(b"\n")
        if self._skip:
            drop = min(self._skip, len(data))
            data, self._skip = data[drop:], self._skip - drop
        if data:
            self._out += data
            self._emitted += len(data)
            self._last = data[-1:]

    def _finish(self) -> None:
        self.done = True
        self._handle.close()
        if self._sentinel and self.error is None:
            if self._emitted and self._last != b"\n":
                self._out += b"\n"
            self._out += SENTINEL.encode() + b"\n"


def _line_cut(data: bytes) -> int:
    """Length of the whole lines at the start of ``data`` (a last CR kept back)."""
    end = max(data.rfind(b"\n"), data.rfind(b"\r"))
    if end == len(data) - 1 and data[end] == 0x0D:  # may precede an LF
        end = max(data.rfind(b"\n", 0, end), data.rfind(b"\r", 0, end))
    return end + 1


def _utf8(data: bytes, codec: str) -> bytes:
    return data if codec == "utf-8" else data.decode(codec).encode()


def make_plan(raw: bytes, encoding: str | None, label: str, notes: list[str]) -> Plan:
    """Choose how to decode the file (see :class:`Plan`)."""
    explicit = encoding is not None
    used = encoding or detect_encoding(raw)
    try:
        codec = codecs.lookup(used).name
    except LookupError as exc:
        raise refuse(
            f"unknown encoding {used!r} for {label!r}",
            f"未知编码“{used}”",
        ) from exc
    if codec == "utf-8-sig":
        codec = "utf-8"
    by_lines = 'a,\t;|"\r\n'.encode(codec, "replace") == b'a,\t;|"\r\n'
    if not explicit and used != "utf-8":
        en = f"{label}: encoding detected as {used}"
        zh = f"“{label}”的编码识别为{used}"
        if used.startswith("utf-16-"):
            en += " (UTF-16 without a byte-order mark)"
            zh += "(无BOM的UTF-16)"
        notes.append(message(en, zh))
    fallback = None
    if not explicit and by_lines:
        fallback = "gb18030" if codec == "utf-8" else "utf-8"
    bom = codecs.BOM_UTF8 if codec == "utf-8" else b""
    return Plan(used, codec, by_lines, fallback, bom)


def cr_only(raw: bytes, plan: Plan) -> bool:
    """Tell whether the file's lines end in CR only (an old Mac export)."""
    sample = codecs.getincrementaldecoder(plan.codec)("replace").decode(raw)
    return "\r" in sample and "\n" not in sample
