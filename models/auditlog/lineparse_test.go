package auditlog

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

const goodLine = `{"kind":"event","seq":3,"at":"2022-10-15T06:33:00.000001Z","actor_id":0,"actor_name":"x",` +
	`"actor_role":"member","action":"ballot.cast","object_type":"ballot","object_id":9,"data":{"a":[1,{"b":null}]},` +
	`"request_id":"r","ip":"::1","prev_hash":"00","hash":"11"}`

func TestParseLineGood(t *testing.T) {
	var ev eventFields
	var in interner
	if err := parseLine([]byte(goodLine), &ev, &in); err != nil {
		t.Fatal(err)
	}
	want := Record{Seq: 3, At: time.Date(2022, 10, 15, 6, 33, 0, 1000, time.UTC), ActorRole: "member", Action: "ballot.cast",
		ObjectType: "ballot", ObjectID: 9, Data: json.RawMessage(`{"a":[1,{"b":null}]}`), RequestID: "r", IP: "::1"}
	if ev.kind != "event" || !recordsEqual(ev.rec, want) || string(ev.prevHash) != "00" || string(ev.hash) != "11" || !ev.hints.dataCompact || string(ev.hints.atText) != "2022-10-15T06:33:00.000001Z" {
		t.Fatalf("parsed %+v", ev)
	}
}

func recordsEqual(a, b Record) bool {
	return bytes.Equal(a.Canonical(), b.Canonical())
}

func TestParseLineDecodesLikeEncodingJSON(t *testing.T) {
	cases := []struct{ field, json, want string }{
		{"action", `"a\"b\\c\/d\b\f\n\r\t"`, "a\"b\\c/d\b\f\n\r\t"},
		{"action", `"\u00e9\u0041"`, "éA"},
		{"action", `"\ud83d\ude00"`, "😀"},
		{"action", `"\ud83d"`, "\uFFFD"},
		{"action", `"\ude00x"`, "\uFFFDx"},
		{"action", `"\ud83d\u0041"`, "\uFFFDA"},
		{"action", "\"bad\xffbyte\"", "bad\uFFFDbyte"},
		{"ip", `"한국"`, "한국"},
	}
	for _, tc := range cases {
		line := strings.Replace(goodLine, `"action":"ballot.cast"`, `"action":`+tc.json, 1)
		if tc.field == "ip" {
			line = strings.Replace(goodLine, `"ip":"::1"`, `"ip":`+tc.json, 1)
		}
		var ev eventFields
		var in interner
		if err := parseLine([]byte(line), &ev, &in); err != nil {
			t.Errorf("%s: %v", tc.json, err)
			continue
		}
		got := ev.rec.Action
		if tc.field == "ip" {
			got = ev.rec.IP
		}
		var std string
		if err := json.Unmarshal([]byte(tc.json), &std); err != nil || std != got || got != tc.want {
			t.Errorf("%s: got %q, encoding/json %q (%v), want %q", tc.json, got, std, err, tc.want)
		}
	}
}

func TestParseLineRejects(t *testing.T) {
	cases := []struct{ name, line, errHas string }{
		{"not an object", `[1]`, "expected a JSON object"},
		{"empty object", `{}`, `missing member "kind"`},
		{"trailing data", goodLine + ` {}`, "unexpected data after"},
		{"trailing comma", strings.Replace(goodLine, `"11"}`, `"11",}`, 1), "expected a member name"},
		{"missing seq", strings.Replace(goodLine, `"seq":3,`, ``, 1), `missing member "seq"`},
		{"duplicate", strings.Replace(goodLine, `"seq":3,`, `"seq":3,"seq":3,`, 1), "duplicate member"},
		{"escaped duplicate", strings.Replace(goodLine, `"seq":3,`, `"seq":3,"s\u0065q":3,`, 1), "duplicate member"},
		{"case variant", strings.Replace(goodLine, `"seq":3,`, `"seq":3,"Seq":3,`, 1), "letter case"},
		{"kelvin variant", strings.Replace(goodLine, `"kind":"event",`, `"kind":"event","\u212aind":"header",`, 1), "letter case"},
		{"float seq", strings.Replace(goodLine, `"seq":3,`, `"seq":3.0,`, 1), "must be an integer"},
		{"exp seq", strings.Replace(goodLine, `"seq":3,`, `"seq":3e0,`, 1), "must be an integer"},
		{"leading zero", strings.Replace(goodLine, `"seq":3,`, `"seq":03,`, 1), "leading zero"},
		{"huge seq", strings.Replace(goodLine, `"seq":3,`, `"seq":9223372036854775808,`, 1), "out of range"},
		{"string seq", strings.Replace(goodLine, `"seq":3,`, `"seq":"3",`, 1), "must be an integer"},
		{"null action", strings.Replace(goodLine, `"action":"ballot.cast"`, `"action":null`, 1), "must be a string"},
		{"bad time", strings.Replace(goodLine, `2022-10-15T06:33:00.000001Z`, `15/10/2022`, 1), "at:"},
		{"raw newline", strings.Replace(goodLine, `"r"`, "\"r\x01\"", 1), "control character"},
		{"bad escape", strings.Replace(goodLine, `"r"`, `"\x"`, 1), "invalid escape"},
		{"bad data", strings.Replace(goodLine, `{"a":[1,{"b":null}]}`, `{"a":[1,}`, 1), "column"},
		{"unterminated", goodLine[:len(goodLine)-3], "unterminated string"},
		{"cut after colon", goodLine[:strings.Index(goodLine, `"seq":`)+6], "must be an integer"},
	}
	for _, tc := range cases {
		var ev eventFields
		var in interner
		err := parseLine([]byte(tc.line), &ev, &in)
		if err == nil || !strings.Contains(err.Error(), tc.errHas) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.errHas)
		}
	}
}

func TestParseLineIgnoresUnknownMembers(t *testing.T) {
	line := strings.Replace(goodLine, `"kind":"event",`, `"kind":"event","x-note":{"deep":[[[]]]},"v":2,`, 1)
	var ev eventFields
	var in interner
	if err := parseLine([]byte(line), &ev, &in); err != nil {
		t.Fatal(err)
	}
	if ev.rec.Seq != 3 {
		t.Fatalf("seq = %d", ev.rec.Seq)
	}
}

func TestInternerIsBounded(t *testing.T) {
	var in interner
	for i := 0; i < 2*maxInterned; i++ {
		b := []byte(strings.Repeat("x", i%50) + string(rune('a'+i%26)) + strings.Repeat("y", i/26))
		if got := in.str(b); got != string(b) {
			t.Fatalf("str(%q) = %q", b, got)
		}
	}
	if len(in.m) != maxInterned {
		t.Fatalf("interner holds %d strings, want the cap %d", len(in.m), maxInterned)
	}
}

// FuzzParseLine checks the hand-written reader against encoding/json: what
// it accepts is valid JSON, and every known member decodes to the same value.
func FuzzParseLine(f *testing.F) {
	f.Add([]byte(goodLine))
	f.Add([]byte(`{"kind":"checkpoint","size":3,"root":"x","note":"a\nb"}`))
	f.Add([]byte(`{"kind":"event","action":"\ud83d\ude00\u00e9","data":{"a":[1e5,-0.5,"\""]}}`))
	f.Add([]byte(`{"kind":"event","at":"0000-02-29T23:59:59.999999Z","data": { "x" : "y z" } }`))
	f.Fuzz(func(t *testing.T, line []byte) {
		var ev eventFields
		var in interner
		if parseLine(line, &ev, &in) != nil {
			return
		}
		if !json.Valid(line) {
			t.Fatalf("accepted invalid JSON %q", line)
		}
		var members map[string]json.RawMessage
		if err := json.Unmarshal(line, &members); err != nil {
			t.Fatalf("accepted %q, encoding/json: %v", line, err)
		}
		str := func(name, got string) {
			raw, ok := members[name]
			if !ok {
				return
			}
			var want string
			if err := json.Unmarshal(raw, &want); err != nil || want != got {
				t.Fatalf("%s: got %q, encoding/json %q (%v)", name, got, want, err)
			}
		}
		num := func(name string, got int64) {
			raw, ok := members[name]
			if !ok {
				return
			}
			var want int64
			if err := json.Unmarshal(raw, &want); err != nil || want != got {
				t.Fatalf("%s: got %d, encoding/json %d (%v)", name, got, want, err)
			}
		}
		str("kind", ev.kind)
		str("actor_role", ev.rec.ActorRole)
		str("action", ev.rec.Action)
		str("object_type", ev.rec.ObjectType)
		str("request_id", ev.rec.RequestID)
		str("ip", ev.rec.IP)
		str("prev_hash", string(ev.prevHash))
		str("hash", string(ev.hash))
		num("seq", ev.rec.Seq)
		num("actor_id", ev.rec.ActorID)
		num("object_id", ev.rec.ObjectID)
		if raw, ok := members["data"]; ok {
			var compact bytes.Buffer
			if err := json.Compact(&compact, raw); err != nil || !bytes.Equal(compact.Bytes(), ev.rec.Data) {
				t.Fatalf("data: got %q, encoding/json %q (%v)", ev.rec.Data, compact.Bytes(), err)
			}
		}
		// The shortcuts the reader hands to hashing must not change the bytes.
		if hinted := ev.rec.appendCanonical(nil, ev.hints); !bytes.Equal(hinted, ev.rec.Canonical()) {
			t.Fatalf("hinted canonical %q differs from %q", hinted, ev.rec.Canonical())
		}
	})
}
