// Package containerlog writes and reads the log files of the containers
// Marina's node agent runs, in the format of the Kubernetes Container
// Runtime Interface (CRI): the format the kubelet reads for kubectl logs.
//
// # Format
//
// Each record is one line:
//
//	<timestamp> <stream> <tag> <content>\n
//	2016-10-06T00:17:09.669794202Z stdout F hello
//
// The timestamp is RFC 3339 with nanoseconds, in UTC, taken when the line
// was complete. The stream is stdout or stderr. The tag is F for a full line
// or P for a part of one: a line longer than 16 KiB is written as P records
// of 16 KiB followed by an F record with the rest, and output that ends
// without a newline is written as a P record when its stream closes, as CRI
// runtimes do. A line's newline is not part of its content.
//
// The two streams share the file and interleave at record boundaries, so a
// reader joins P records with the next record of the same stream. A trailing
// P record at the end of the logs is printed without a newline. Lines that
// do not parse as records (a file written as plain text by an older Marina)
// are passed through as they are.
//
// # Rotation
//
// Writer keeps the file at path to at most maxSize bytes: before a record that
// would take it past maxSize, it renames the file to path.<UTC time>
// (container.log.20261122-101500.000), starts a new file at path, and removes
// the oldest rotated files so that at most maxFiles remain, the current one
// included. Rotation happens between records, so a record is never split
// across files (a record larger than maxSize gets a file of its own), but a
// line's P and F records may be. Rotated names are unique and sort in the
// order the files were rotated.
//
// Read copies the rotated files, oldest first, then the current one, and can
// follow the current file across rotations, as kubectl logs -f does. See
// README.md for the reader's pipeline.
package containerlog
