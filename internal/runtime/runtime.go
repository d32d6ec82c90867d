// Package runtime is the boundary between the node agent and what runs
// containers. A Runtime starts, stops, inspects and lists containers; the
// agent's pod workers decide when. Implementations: process (commands run
// on the node under a per-pod shim).
package runtime

import (
	"context"
	"errors"
	"io"
	"time"
)

// ErrNotFound is returned for a container the runtime does not know.
var ErrNotFound = errors.New("container not found")

// Runtime runs containers. Methods are called by the agent's pod workers,
// one worker per pod, so calls for one container never overlap; calls for
// different containers may. Every method may block on the node's I/O.
type Runtime interface {
	// Name is the RuntimeClass handler the runtime serves.
	Name() string
	// Start creates and starts a container and returns once its process
	// runs, or with an error that says why it could not start.
	Start(ctx context.Context, cfg ContainerConfig) (ContainerStatus, error)
	// Status reports a container's state, ErrNotFound if it is unknown.
	Status(ctx context.Context, id string) (ContainerStatus, error)
	// Stop asks the container to stop (SIGTERM), kills it after grace and
	// returns once it has stopped. Stopping a stopped container is a no-op.
	Stop(ctx context.Context, id string, grace time.Duration) error
	// Remove forgets a stopped container and its logs.
	Remove(ctx context.Context, id string) error
	// List returns every container the runtime has on this node, also
	// those started before the agent restarted.
	List(ctx context.Context) ([]ContainerStatus, error)
	// Exec runs a command in a running container, with its environment,
	// working directory and isolation, and returns its exit code once it
	// ends. It blocks for as long as the command runs; ctx ending kills
	// the command.
	Exec(ctx context.Context, id string, req ExecRequest) (exitCode int, err error)
}

// ExecRequest is a command to run in a container and where its streams go.
// Stdin, Stdout and Stderr may be nil. With TTY the command gets a
// terminal, Stderr is unused and Resize carries the terminal's size.
type ExecRequest struct {
	Command        []string
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	TTY            bool
	Resize         <-chan TerminalSize
}

// TerminalSize is a terminal's width and height in characters.
type TerminalSize struct {
	Width, Height uint16
}

// ContainerConfig is everything needed to start one container.
type ContainerConfig struct {
	// ID is unique per attempt: pod UID, container name and attempt.
	ID           string
	PodUID       string
	PodNamespace string
	PodName      string
	Name         string
	Attempt      int
	Command      []string
	Env          []string // KEY=value
	WorkingDir   string
	// LogMaxSize and LogMaxFiles bound the container's log: rotated past
	// LogMaxSize bytes, at most LogMaxFiles files kept (0: 10 MiB and 5,
	// the kubelet's defaults).
	LogMaxSize  int64
	LogMaxFiles int
}

// State is where a container is in its life.
type State string

const (
	Running State = "running"
	Exited  State = "exited"
)

// ContainerStatus is a container as the runtime sees it.
type ContainerStatus struct {
	ID         string
	PodUID     string
	Name       string
	Attempt    int
	State      State
	PID        int
	ExitCode   int
	Reason     string // why it exited, when not by itself (e.g. "Killed")
	StartedAt  time.Time
	FinishedAt time.Time
	// LogPath is the file holding the container's stdout and stderr.
	LogPath string
}
