package reportfile

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// BenchmarkReader parses 100,000 generated rows per iteration; rows/s and
// allocations per iteration are reported.
func BenchmarkReader(b *testing.B) {
	const n = 100_000
	for _, tc := range []struct {
		name string
		opts []GenerateOption
	}{
		{"utf8", nil},
		{"cp949-korean", []GenerateOption{WithCP949(), WithKoreanHeaders(), WithKoreanValues()}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			var buf bytes.Buffer
			if err := Generate(&buf, n, 1, tc.opts...); err != nil {
				b.Fatal(err)
			}
			data := buf.Bytes()
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				rd, err := Open(bytes.NewReader(data))
				if err != nil {
					b.Fatal(err)
				}
				rows := 0
				for {
					_, err := rd.Next()
					if errors.Is(err, io.EOF) {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
					rows++
				}
				if rows != n || rd.Failed() {
					b.Fatalf("%d rows, failed=%v", rows, rd.Failed())
				}
				if err := rd.Close(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
