package containerlog

import (
	"bytes"
	"time"
)

// The streams a container writes.
const (
	Stdout = "stdout"
	Stderr = "stderr"
)

// maxLineSize is the most content one record carries; longer lines are
// split into P records. It is the limit containerd and CRI-O use.
const maxLineSize = 16 * 1024

// record is one parsed line of a log file. Plain text that is not a CRI
// record has no timestamp and no stream.
type record struct {
	ts      time.Time
	stream  string // Stdout, Stderr, or "" for plain text
	partial bool   // tag P: the line continues in the stream's next record
	content []byte // aliases the line it was parsed from
}

// appendRecord appends the encoded record, newline included, to b.
func appendRecord(b []byte, ts time.Time, stream string, partial bool, content []byte) []byte {
	b = ts.UTC().AppendFormat(b, time.RFC3339Nano)
	b = append(b, ' ')
	b = append(b, stream...)
	tag := byte('F')
	if partial {
		tag = 'P'
	}
	b = append(b, ' ', tag, ' ')
	b = append(b, content...)
	return append(b, '\n')
}

// parseRecord parses one line of a log file, without its newline. It
// reports false if the line is not a CRI record. As in the kubelet, the tag
// field may carry further ':'-separated tags after F or P; they are ignored.
func parseRecord(line []byte) (record, bool) {
	ts, rest, ok := bytes.Cut(line, []byte{' '})
	if !ok {
		return record{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, string(ts))
	if err != nil {
		return record{}, false
	}
	stream, rest, ok := bytes.Cut(rest, []byte{' '})
	if !ok {
		return record{}, false
	}
	var r record
	switch string(stream) {
	case Stdout:
		r.stream = Stdout
	case Stderr:
		r.stream = Stderr
	default:
		return record{}, false
	}
	// An empty line may be written without the space before its content.
	tags, content, _ := bytes.Cut(rest, []byte{' '})
	tag, _, _ := bytes.Cut(tags, []byte{':'})
	switch string(tag) {
	case "F":
	case "P":
		r.partial = true
	default:
		return record{}, false
	}
	r.ts, r.content = t, content
	return r, true
}
