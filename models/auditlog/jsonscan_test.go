package auditlog

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestCompactJSON(t *testing.T) {
	cases := []struct {
		in, want string
		ok       bool
	}{
		{`{}`, `{}`, true},
		{" { \"a\" :\t[ 1 ,\n2 ] , \"b\" : { } } ", `{"a":[1,2],"b":{}}`, true},
		{`"keep  spaces \" and \u00e9"`, `"keep  spaces \" and \u00e9"`, true},
		{`[-0, 0.5, 1e10, 1E-2, -1.5e+3]`, `[-0,0.5,1e10,1E-2,-1.5e+3]`, true},
		{`[true,false,null]`, `[true,false,null]`, true},
		{"\"<>&\u2028\"", "\"<>&\u2028\"", true}, // never HTML-escaped
		{``, ``, false},
		{`{"a"}`, ``, false},
		{`{"a":1,}`, ``, false},
		{`[1,]`, ``, false},
		{`01`, ``, false},
		{`1.`, ``, false},
		{`.5`, ``, false},
		{`1e`, ``, false},
		{`+1`, ``, false},
		{`tru`, ``, false},
		{`nul`, ``, false},
		{`"\q"`, ``, false},
		{`"\u12"`, ``, false},
		{"\"tab\there\"", ``, false},
		{`{"a":1}}`, ``, false},
		{`{'a':1}`, ``, false},
		{`{"a" 1}`, ``, false},
		{`[1 2]`, ``, false},
		{strings.Repeat("[", maxNesting) + strings.Repeat("]", maxNesting), strings.Repeat("[", maxNesting) + strings.Repeat("]", maxNesting), true},
		{strings.Repeat("[", maxNesting+1) + strings.Repeat("]", maxNesting+1), ``, false},
	}
	for _, tc := range cases {
		got, err := compactJSON([]byte("keep:"), []byte(tc.in))
		name := tc.in
		if len(name) > 40 {
			name = name[:40] + "…"
		}
		if (err == nil) != tc.ok {
			t.Errorf("compactJSON(%q): err %v, want ok=%v", name, err, tc.ok)
			continue
		}
		want := "keep:" + tc.want
		if string(got) != want {
			t.Errorf("compactJSON(%q) = %q, want %q", name, got, want)
		}
		if json.Valid([]byte(tc.in)) != tc.ok {
			t.Errorf("%q: encoding/json disagrees about validity", name)
		}
	}
}

// FuzzCompactJSON holds our scanner to encoding/json: same verdict on
// validity, same compact form.
func FuzzCompactJSON(f *testing.F) {
	for _, s := range []string{`{}`, ` {"a" : [1, 2.5e-3, "x\u00e9\n"]} `, `[[[]]]`, `"\ud800"`, `{"a":tru}`, "\"\xff\""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		got, err := compactJSON(nil, in)
		if (err == nil) != json.Valid(in) {
			t.Fatalf("%q: our error %v, encoding/json valid=%v", in, err, json.Valid(in))
		}
		if err != nil {
			return
		}
		var std bytes.Buffer
		if err := json.Compact(&std, in); err != nil {
			t.Fatalf("%q: json.Compact: %v", in, err)
		}
		if !bytes.Equal(got, std.Bytes()) {
			t.Fatalf("%q: compact %q, encoding/json %q", in, got, std.Bytes())
		}
	})
}
