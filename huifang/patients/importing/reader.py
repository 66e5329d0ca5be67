"""Reading HIS exports as a stream of rows: CSV/TSV (UTF-8 or GB18030) and XLSX.

Nothing is loaded whole: rows are yielded one by one, so a file of a
million rows costs the memory of one chunk.
"""

import codecs
import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from huifang.core.errors import ApplicationError
from huifang.patients.importing.mapping import header_score, normalize_header

SAMPLE_BYTES = 1 << 20
HEADER_SEARCH_ROWS = 10
csv.field_size_limit(16 * 1024 * 1024)


class UnreadableFile(ApplicationError):
    code = "unreadable_file"


class MixedEncoding(UnreadableFile):
    """Bytes that are not in the file's encoding: typically one row pasted from
    a GBK program into a UTF-8 file. The message says on which line."""

    code = "invalid_encoding"


_ENCODING_LABELS = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8", "gb18030": "GB18030/GBK"}


def _not_in_encoding(encoding: str, offset: int, line: int) -> MixedEncoding:
    label = _ENCODING_LABELS.get(encoding, encoding)
    return MixedEncoding(
        f"第 {line} 行不是 {label} 编码（字节位置 {offset}）："
        "请整份文件用同一种编码另存后再导入，或指定文件的编码"
    )


def _first_bad_byte(path: Path, encoding: str) -> tuple[int, int] | None:
    """(byte offset in the file, physical line) of the first byte not in ``encoding``.

    Read again in blocks once decoding failed: the error from the text stream
    only knows its offset within the chunk it was decoding.
    """
    # The BOM is valid UTF-8, so offsets count from the file's first byte.
    decoder = codecs.getincrementaldecoder("utf-8" if encoding == "utf-8-sig" else encoding)()
    position = 0
    lines = 1
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(SAMPLE_BYTES), b""):
            pending = len(decoder.getstate()[0])
            try:
                decoder.decode(block)
            except UnicodeDecodeError as exc:
                offset = position - pending + exc.start
                data = exc.object
                return offset, lines + data.count(b"\n", 0, exc.start)
            lines += block.count(b"\n")
            position += len(block)
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return position - len(decoder.getstate()[0]), lines
    return None


def _mostly_utf8(sample: bytes) -> bool:
    """Whether a sample that is not valid UTF-8 still reads as UTF-8 nearly everywhere.

    A GBK file decoded as UTF-8 makes a few Chinese characters by chance and
    many errors; a UTF-8 file with one GBK row, the other way round.
    """
    text = sample.decode("utf-8", errors="replace")
    errors = text.count("\ufffd")
    chinese = sum(1 for ch in text if "\u3400" <= ch <= "\u9fff")
    return chinese >= 2 and chinese > 2 * errors


@dataclass
class SourceFormat:
    kind: str  # "csv" or "xlsx"
    encoding: str = ""
    delimiter: str = ","
    sheet: str = ""


@dataclass
class RawRow:
    number: int  # 1-based data row number (the header is row 0)
    line: int  # physical line (CSV) or sheet row (XLSX) where the row ends
    cells: list


def detect_encoding(sample: bytes) -> str:
    """utf-8-sig, utf-8 or gb18030 (a superset of GBK and GB2312)."""
    bom = sample.startswith(codecs.BOM_UTF8)
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(sample, final=False)  # a cut multi-byte tail is not an error
        return "utf-8-sig" if bom else "utf-8"
    except UnicodeDecodeError as exc:
        if bom or _mostly_utf8(sample):
            # A UTF-8 file with a row in another encoding: read as GB18030 it
            # would be garbage throughout, so say where the odd row is.
            raise _not_in_encoding(
                "utf-8", exc.start, sample.count(b"\n", 0, exc.start) + 1
            ) from exc
    try:
        codecs.getincrementaldecoder("gb18030")().decode(sample, final=False)
    except UnicodeDecodeError as exc:
        raise UnreadableFile(
            "文件编码无法识别：既不是 UTF-8 也不是 GB18030/GBK", details={"offset": exc.start}
        ) from exc
    return "gb18030"


def detect_format(path: Path, *, encoding: str = "auto", sheet: str = "") -> SourceFormat:
    try:
        with path.open("rb") as handle:
            sample = handle.read(SAMPLE_BYTES)
    except OSError as exc:
        raise UnreadableFile(f"无法读取文件：{exc.strerror or exc}") from exc
    if not sample:
        raise UnreadableFile("文件是空的")
    if sample.startswith(b"PK\x03\x04"):
        return SourceFormat(kind="xlsx", sheet=sheet)
    if sample.startswith((b"\xd0\xcf\x11\xe0",)):
        raise UnreadableFile(
            "这是旧版 Excel（.xls）文件，请在 Excel 中另存为 .xlsx 或 CSV 后再导入"
        )
    if encoding in ("", "auto"):
        encoding = detect_encoding(sample)
    elif encoding in ("gbk", "gb2312"):
        encoding = "gb18030"
    elif encoding == "utf-8" and sample.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    try:
        first_line = sample.decode(encoding, errors="ignore").split("\n", 1)[0]
    except LookupError as exc:
        raise UnreadableFile(f"未知的编码：{encoding}") from exc
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    return SourceFormat(kind="csv", encoding=encoding, delimiter=delimiter)


class TableReader:
    """Yields the header and then the data rows of one table."""

    def __init__(self, path: Path, fmt: SourceFormat, *, extra_headers: Iterable[str] = ()):
        self.path = path
        self.fmt = fmt
        self.extra_headers = {normalize_header(h) for h in extra_headers}
        self.header: list = []
        self.header_line = 0
        self.preamble: list[list] = []

    def _raw_rows(self) -> Iterator[tuple[int, list]]:
        if self.fmt.kind == "xlsx":
            yield from self._xlsx_rows()
        else:
            yield from self._csv_rows()

    def _csv_rows(self) -> Iterator[tuple[int, list]]:
        try:
            with self.path.open(encoding=self.fmt.encoding, newline="") as handle:
                reader = csv.reader(handle, delimiter=self.fmt.delimiter)
                for cells in reader:
                    yield reader.line_num, cells
        except UnicodeDecodeError as exc:
            found = _first_bad_byte(self.path, self.fmt.encoding)
            if found is None:  # cannot happen: the file decoded once without it
                raise UnreadableFile(
                    f"文件中有无法按 {self.fmt.encoding} 解码的内容，请确认文件编码"
                ) from exc
            raise _not_in_encoding(self.fmt.encoding, *found) from exc
        except csv.Error as exc:
            raise UnreadableFile(f"CSV 格式错误：{exc}") from exc

    def _xlsx_rows(self) -> Iterator[tuple[int, list]]:
        import zipfile

        from openpyxl import load_workbook

        try:
            workbook = load_workbook(self.path, read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
            raise UnreadableFile(
                "无法打开 Excel 文件：文件已损坏或不是 .xlsx 格式，请在 Excel 中另存为 .xlsx 或 CSV 后重新导入"
            ) from exc
        try:
            if self.fmt.sheet:
                if self.fmt.sheet not in workbook.sheetnames:
                    raise UnreadableFile(
                        f"工作表“{self.fmt.sheet}”不存在；文件中的工作表：{'、'.join(workbook.sheetnames)}"
                    )
                sheet = workbook[self.fmt.sheet]
            else:
                sheet = workbook.worksheets[0]
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                yield number, ["" if v is None else v for v in values]
        finally:
            workbook.close()

    def rows(self) -> Iterator[RawRow]:
        """Find the header among the first rows, then yield the data rows after it."""
        source = self._raw_rows()
        best = None
        buffered: list[tuple[int, list]] = []
        for line, cells in source:
            buffered.append((line, cells))
            score = header_score(cells) + sum(
                1 for c in cells if normalize_header(c) in self.extra_headers
            )
            if score >= 2 and (best is None or score > best[0]):
                best = (score, len(buffered) - 1)
            if len(buffered) >= HEADER_SEARCH_ROWS:
                break
        if best is None:
            raise UnreadableFile(
                "找不到可识别的表头：前 10 行中没有一行包含至少 2 个已知列名（如 姓名、住院号、出院日期）",
                details={"mapping_helps": True},  # each caller says how to map, its own way
            )
        header_at = best[1]
        self.preamble = [cells for _, cells in buffered[:header_at]]
        self.header_line, header = buffered[header_at]
        self.header = [("" if c is None else str(c)).strip() for c in header]
        number = 0
        for line, cells in buffered[header_at + 1 :]:
            if _is_blank(cells):
                continue
            number += 1
            yield RawRow(number=number, line=line, cells=cells)
        for line, cells in source:
            if _is_blank(cells):
                continue
            number += 1
            yield RawRow(number=number, line=line, cells=cells)


def _is_blank(cells: list) -> bool:
    return all((c is None or (isinstance(c, str) and not c.strip())) for c in cells)


class RejectsWriter:
    """Rejected rows exactly as read, in the input's format, with a reason column."""

    REASON_HEADER = "拒绝原因"

    def __init__(self, path: Path, fmt: SourceFormat, header: list):
        self.path = path
        self.fmt = fmt
        self.header = list(header)
        self.count = 0
        self._handle = None
        self._writer = None
        self._workbook = None
        self._sheet = None

    def _open(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.fmt.kind == "xlsx":
            from openpyxl import Workbook

            self._workbook = Workbook(write_only=True)
            self._sheet = self._workbook.create_sheet("rejects")
            self._sheet.append([*self.header, self.REASON_HEADER])
        else:
            encoding = self.fmt.encoding
            self._handle = self.path.open("w", encoding=encoding, newline="")
            self._writer = csv.writer(self._handle, delimiter=self.fmt.delimiter)
            self._writer.writerow([*self.header, self.REASON_HEADER])

    def write(self, row: RawRow, reason: str) -> None:
        if self.count == 0:
            self._open()
        self.count += 1
        cells = list(row.cells) + [""] * max(0, len(self.header) - len(row.cells))
        if self._sheet is not None:
            self._sheet.append([*cells, reason])
        else:
            self._writer.writerow([*cells, reason])

    def close(self) -> None:
        if self._workbook is not None:
            self._workbook.save(self.path)
            self._workbook = None
        if self._handle is not None:
            self._handle.close()
            self._handle = None


def preview(
    path: Path, *, encoding: str = "auto", sheet: str = "", limit: int = 10, extra_headers=()
):
    """The format, header and first rows of a file, for the upload page."""
    fmt = detect_format(path, encoding=encoding, sheet=sheet)
    reader = TableReader(path, fmt, extra_headers=extra_headers)
    rows = []
    for row in reader.rows():
        rows.append(row.cells)
        if len(rows) >= limit:
            break
    return fmt, reader.header, rows


__all__ = ["RawRow", "RejectsWriter", "SourceFormat", "TableReader", "UnreadableFile"]
