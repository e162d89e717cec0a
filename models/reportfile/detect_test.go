package reportfile

import (
	"bufio"
	"bytes"
	"io"
	"strings"
	"testing"
)

func TestSniffContainer(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []byte
		want container
		code string
	}{
		{"empty", nil, 0, CodeEmptyFile},
		{"zip", []byte("PK\x03\x04rest"), containerZip, ""},
		{"ole", []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, 0, CodeUnsupportedFormat},
		{"utf-8 bom", []byte("\xEF\xBB\xBFa,b\n"), containerTextBOM, ""},
		{"utf-16le", []byte("\xFF\xFEa\x00"), 0, CodeEncoding},
		{"utf-16be", []byte("\xFE\xFF\x00a"), 0, CodeEncoding},
		{"nul bytes", []byte("a\x00b\x00"), 0, CodeUnsupportedFormat},
		{"control soup", bytes.Repeat([]byte{0x01, 0x02, 'a'}, 50), 0, CodeUnsupportedFormat},
		{"plain text", []byte("a,b\r\n1,2\n"), containerText, ""},
		{"one stray control", append(bytes.Repeat([]byte("a,b\n"), 100), 0x07), containerText, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ferr := sniffContainer(tc.in)
			if tc.code != "" {
				if ferr == nil || ferr.Code != tc.code {
					t.Fatalf("got %v, %v; want code %s", got, ferr, tc.code)
				}
				return
			}
			if ferr != nil || got != tc.want {
				t.Fatalf("got %v, %v; want %v", got, ferr, tc.want)
			}
		})
	}
}

func TestClassify(t *testing.T) {
	utf := []byte("김민준,서울")
	cp := cp949(t, "김민준,서울")
	for _, tc := range []struct {
		name   string
		sample []byte
		atEOF  bool
		want   textEncoding
		ok     bool
	}{
		{"utf-8", utf, true, encUTF8, true},
		{"cp949", cp, true, encCP949, true},
		{"utf-8 cut mid-character, more to come", utf[:len(utf)-1], false, encUTF8, true},
		{"cp949 cut after a lead byte, more to come", cp[:len(cp)-len("서울")+1], false, encCP949, true},
		{"utf-8 with one damaged byte among many", append(bytes.Repeat(utf, 5), 0xFF), true, encUTF8, true},
		{"latin-1 with an invalid CP949 trail", []byte("caf\xe9,\xff"), true, 0, false},
		{"0x80 is no CP949 lead", []byte("\x80\x41"), true, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := classify(tc.sample, tc.atEOF)
			if ok != tc.ok || (ok && got != tc.want) {
				t.Fatalf("classify = %v, %v; want %v, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestLazyDecoderPassesASCIIThrough(t *testing.T) {
	in := strings.Repeat("a,b,c\n", 1000) + "김"
	d := newLazyDecoder(bufio.NewReaderSize(bytes.NewReader(cp949(t, in)), sniffSize), false)
	out, err := io.ReadAll(d)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != in || d.format() != FormatCSVCP949 {
		t.Fatalf("decoded %d bytes as %s", len(out), d.format())
	}
	ascii := newLazyDecoder(bufio.NewReaderSize(strings.NewReader("a,b\n"), sniffSize), false)
	if out, _ := io.ReadAll(ascii); string(out) != "a,b\n" || ascii.format() != FormatCSVUTF8 {
		t.Fatalf("ascii: %q %s", out, ascii.format())
	}
}
