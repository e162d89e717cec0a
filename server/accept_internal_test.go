package server

import "testing"

func TestAcceptsGzip(t *testing.T) {
	for _, tc := range []struct {
		header string
		want   bool
	}{
		{"", false},
		{"gzip", true},
		{"gzip, deflate, br, zstd", true}, // Chromium
		{"GZIP", true},
		{"deflate, br", false},
		{"gzip;q=0", false},
		{"gzip; q=0.0", false},
		{"gzip;q=0.5, identity", true},
		{"*", true},
		{"*;q=0", false},
		{"*, gzip;q=0", false}, // the explicit entry decides
		{"gzip;q=0, *", false},
		{"identity", false},
		{"x-gzip-like", false},
	} {
		if got := acceptsGzip(tc.header); got != tc.want {
			t.Errorf("acceptsGzip(%q) = %v, want %v", tc.header, got, tc.want)
		}
	}
}
