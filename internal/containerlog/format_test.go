package containerlog

import (
	"testing"
	"time"
)

func TestParseRecord(t *testing.T) {
	ts := time.Date(2016, 10, 6, 0, 17, 9, 669794202, time.UTC)
	tests := []struct {
		name    string
		line    string
		ok      bool
		stream  string
		partial bool
		content string
	}{
		{name: "full", line: "2016-10-06T00:17:09.669794202Z stdout F hello world", ok: true, stream: Stdout, content: "hello world"},
		{name: "partial", line: "2016-10-06T00:17:09.669794202Z stderr P part", ok: true, stream: Stderr, partial: true, content: "part"},
		{name: "empty content", line: "2016-10-06T00:17:09.669794202Z stdout F ", ok: true, stream: Stdout},
		{name: "empty content without space", line: "2016-10-06T00:17:09.669794202Z stdout F", ok: true, stream: Stdout},
		{name: "content with spaces kept", line: "2016-10-06T00:17:09.669794202Z stdout F  two  spaces ", ok: true, stream: Stdout, content: " two  spaces "},
		{name: "extra tags", line: "2016-10-06T00:17:09.669794202Z stdout P:x:y data", ok: true, stream: Stdout, partial: true, content: "data"},
		{name: "bad timestamp", line: "2016-10-06 stdout F hello"},
		{name: "bad stream", line: "2016-10-06T00:17:09.669794202Z stdin F hello"},
		{name: "bad tag", line: "2016-10-06T00:17:09.669794202Z stdout X hello"},
		{name: "plain text", line: "hello world"},
		{name: "empty", line: ""},
		{name: "timestamp only", line: "2016-10-06T00:17:09.669794202Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, ok := parseRecord([]byte(tt.line))
			if ok != tt.ok {
				t.Fatalf("parseRecord(%q) ok = %v, want %v", tt.line, ok, tt.ok)
			}
			if !ok {
				return
			}
			if !r.ts.Equal(ts) || r.stream != tt.stream || r.partial != tt.partial || string(r.content) != tt.content {
				t.Errorf("parseRecord(%q) = {%v %s partial=%v %q}, want {%v %s partial=%v %q}",
					tt.line, r.ts, r.stream, r.partial, r.content, ts, tt.stream, tt.partial, tt.content)
			}
		})
	}
}

func TestAppendRecordRoundTrip(t *testing.T) {
	ts := time.Date(2016, 10, 6, 2, 17, 9, 669794202, time.FixedZone("CEST", 2*3600))
	b := appendRecord(nil, ts, Stderr, true, []byte("a b"))
	if want := "2016-10-06T00:17:09.669794202Z stderr P a b\n"; string(b) != want {
		t.Fatalf("appendRecord = %q, want %q (UTC timestamp)", b, want)
	}
	r, ok := parseRecord(b[:len(b)-1])
	if !ok || !r.ts.Equal(ts) || r.stream != Stderr || !r.partial || string(r.content) != "a b" {
		t.Errorf("parse of appended record = %+v, %v", r, ok)
	}
}
