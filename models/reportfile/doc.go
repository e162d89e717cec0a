// Package reportfile reads the damage-report files the secretariat
// uploads, defines the closed code lists every report is classified by, and
// generates realistic synthetic files for demos, tests and benchmarks. It
// is pure: no database, no HTTP, no mutable package state (the lookup
// tables are built once at start-up and only read).
//
// # Codes
//
// Each dimension (reporter_type, service, paid, damage_type, region,
// sector, evidence, channel, plus the derived amount_band and week) is a
// Dimension: an ordered list of Codes with Korean and English labels.
// Accessors return fresh copies, so the statistics catalogue and the UI can
// iterate them in a stable order without sharing mutable slices. Keys are
// fixed by the API contract; codes may be added, never renamed. Channel
// codes are not in the contract and are ours.
//
// # The file
//
// One report a row, column names in the first non-blank row. Headers are
// matched after trimming spaces and a BOM, Unicode NFC (macOS writes
// decomposed Hangul), lower-casing, and dropping spaces, underscores,
// hyphens, middle dots, slashes, a "*" required marker and a bracketed
// unit ("피해금액(원)"); Korean aliases such as 접수일, 서비스, 피해금액
// are accepted (see columns.go). Unknown columns are ignored with a
// Warning; a duplicate or missing required column is a *FileError listing
// every header problem at once.
//
// Required columns: received_at, reporter_type, service, paid,
// damage_type, claimed_amount, region, and at least one of phone and
// business_number — statistics count distinct reporters, so every report
// must say who filed it. Optional: channel (empty → "other"),
// outage_hours (empty → 0), sector (empty allowed; must be empty for an
// individual, as sectors describe businesses), evidence (empty → no),
// name, email, description.
//
// Values: codes, their Korean or English labels and common hand-typed
// variants (카카오톡 → kakaotalk, 서울특별시 → seoul, 예/아니오 → yes/no).
// Amounts: integer won, with optional thousands separators, ₩ or 원;
// negatives, fractions and misplaced commas are rejected rather than
// guessed. A monetary damage type needs an amount; non_monetary must claim
// 0. Dates: 2022-10-19, 2022.10.19, 2022/10/19, 20221019 (optionally with a
// time), and Excel serial dates in workbooks (1900 and 1904 systems), all
// read as Korean calendar days and required to fall in the intake period
// 2022-10-19..2022-11-06. Phones become digits (+82 and a leading zero lost
// to a number cell are repaired). Business registration numbers become ten
// digits and must pass the National Tax Service check digit (see
// ValidBusinessNumber).
//
// # Formats and encodings
//
// The first 64 KiB decide the container: ZIP magic → XLSX; OLE magic (old
// .xls or an encrypted workbook), UTF-16 BOMs, NUL bytes or a high density
// of control characters → a clear *FileError. Text is CSV (comma; tab or
// semicolon if the header line has no comma). A UTF-8 BOM settles the
// encoding. Otherwise bytes stream through unchanged while they are ASCII;
// at the first non-ASCII byte the next 64 KiB are examined: valid UTF-8
// wins (CP949 Hangul breaks UTF-8 structure within a character or two),
// else a byte stream that fits CP949's lead/trail ranges is decoded with
// korean.EUCKR, which covers all of CP949/UHC and not only KS X 1001, else
// the file is refused. Deciding late means a file whose Korean starts
// after a long ASCII stretch is still read right, and nothing is read
// twice. A cell that still holds undecodable bytes is a row error.
//
// Workbooks are read with excelize's streaming Rows iterator on the first
// sheet, raw cell values (so dates arrive as serial numbers, not in a
// locale format). excelize needs random access to the ZIP, and v2.11 either
// opens a path or reads the whole upload into memory, so Open spools the
// workbook to a temporary file (WithTempDir) and removes it on Close. The
// uncompressed size is bounded (WithMaxUnzipBytes) against ZIP bombs.
// Memory is constant in the number of rows for CSV; for XLSX excelize keeps
// an index of the shared strings, proportional to the distinct texts.
// The caller bounds the upload size.
//
// # Iteration and errors
//
// Next returns valid rows only. An invalid row's problems — all of them,
// not just the first — are recorded as RowErrors with the row number Excel
// shows (header = 1, counting blank lines, and a quoted multi-line cell as
// one row), the canonical column and English and Korean messages. Reading
// continues, so one upload reveals every problem; up to WithMaxErrors
// (default 1,000) are kept and the rest counted. The importer inserts rows
// as they come, stops inserting once Failed reports true, drains the file,
// and rolls back if Summary().Err() is non-nil. Errors that make the rest
// of the file unreadable (broken CSV quoting, a corrupt workbook) end
// iteration with a *FileError.
//
// The SHA-256 of the raw upload is computed as the bytes pass (a tee
// before any decoding), for detecting re-uploads: final after Open for a
// workbook, after Next returned io.EOF for CSV (Reader.SHA256,
// Summary.SHA256).
//
// # Synthetic data
//
// Generate writes a deterministic CSV calibrated to the published
// aggregates of the 2022 council (design §6): reporter mix, paid/free/
// non-monetary split, merchant sectors, regions, a decaying daily intake
// over the 19 days, log-normal amounts with a long tail, repeat reporters,
// fictional personal data (made-up names, 010 numbers and business numbers
// from permutations of the reporter number, example.com/.org addresses),
// and a few rare combinations so small-cell suppression shows in the demo.
// Output depends only on the seed and the PCG algorithm.
//
// SafeCell protects exports against formula injection.
package reportfile
