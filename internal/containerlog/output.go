package containerlog

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// errLimitReached ends a read once LimitBytes have been written.
var errLimitReached = errors.New("limit reached")

// output writes lines to the caller's writer as kubectl logs shows them.
type output struct {
	w          io.Writer
	flusher    http.Flusher // w's, if it has one: streamed over HTTP
	timestamps bool
	limited    bool
	remaining  int64
	buf        []byte
}

func newOutput(w io.Writer, opts Options) *output {
	o := &output{w: w, timestamps: opts.Timestamps}
	o.flusher, _ = w.(http.Flusher)
	if opts.LimitBytes != nil {
		o.limited, o.remaining = true, *opts.LimitBytes
	}
	return o
}

// write writes one line, cut short at the byte limit, and flushes it. It
// returns errLimitReached when the limit has been reached.
func (o *output) write(l logLine) error {
	b := o.buf[:0]
	// Plain text has no timestamp to show and is shown as it is.
	if o.timestamps && !l.ts.IsZero() {
		b = l.ts.UTC().AppendFormat(b, time.RFC3339Nano)
		b = append(b, ' ')
	}
	b = append(b, l.content...)
	if !l.noNewline {
		b = append(b, '\n')
	}
	o.buf = b
	if o.limited && int64(len(b)) > o.remaining {
		b = b[:o.remaining]
	}
	n, err := o.w.Write(b)
	o.remaining -= int64(n)
	if err != nil {
		return fmt.Errorf("write logs: %w", err)
	}
	if o.flusher != nil {
		o.flusher.Flush()
	}
	if o.limited && o.remaining <= 0 {
		return errLimitReached
	}
	return nil
}
