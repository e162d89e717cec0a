package reportfile

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"golang.org/x/text/encoding/korean"
)

// csvText joins rows into CSV text, quoting cells that need it.
func csvText(rows ...[]string) string {
	var b strings.Builder
	for _, r := range rows {
		for i, c := range r {
			if i > 0 {
				b.WriteByte(',')
			}
			b.Write(appendField(nil, c))
		}
		b.WriteString("\n")
	}
	return b.String()
}

// validCells is a row that passes every check, in CanonicalColumns order.
func validCells() []string {
	return []string{"2022-10-19", "web", "small_merchant", "talk_channel", "paid", "lost_sales", "300000", "12",
		"seoul", "food", "yes", "김민준", "010-1234-5678", "kim@example.com", "124-81-00998", "주문이 들어오지 않았습니다."}
}

// withCell returns validCells with one column changed.
func withCell(col, value string) []string {
	c := validCells()
	for i, name := range CanonicalColumns() {
		if name == col {
			c[i] = value
		}
	}
	return c
}

// readAll drains a Reader; fatal is the Open or Next error other than io.EOF.
func readAll(t testing.TB, data []byte, opts ...Option) (rows []Row, sum Summary, fatal error) {
	t.Helper()
	rd, err := Open(bytes.NewReader(data), opts...)
	if err != nil {
		return nil, Summary{}, err
	}
	defer func() {
		if err := rd.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	}()
	for {
		r, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return rows, rd.Summary(), nil
		}
		if err != nil {
			return rows, rd.Summary(), err
		}
		rows = append(rows, r)
	}
}

func cp949(t testing.TB, s string) []byte {
	t.Helper()
	b, err := korean.EUCKR.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatalf("encode CP949: %v", err)
	}
	return b
}

func fileErrorCode(err error) string {
	var fe *FileError
	if errors.As(err, &fe) {
		return fe.Code
	}
	return ""
}
