// Package runtime is the boundary between the node agent and what runs
// containers. A Runtime starts, stops, inspects and lists containers; the
// agent's pod workers decide when. Implementations: process (commands run
// on the node under a per-pod shim).
package runtime

import (
	"context"
	"errors"
	"fmt"
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
	// List returns the containers of the pod with podUID, or every
	// container the runtime has on this node when podUID is "", also
	// those started before the agent restarted.
	List(ctx context.Context, podUID string) ([]ContainerStatus, error)
	// Exec runs a command in a running container, with its environment,
	// working directory and isolation, and returns its exit code once it
	// ends. It blocks for as long as the command runs; ctx ending kills
	// the command.
	Exec(ctx context.Context, id string, req ExecRequest) (exitCode int, err error)
	// Stats reports a running container's resource use so far.
	Stats(ctx context.Context, id string) (Stats, error)
	// PrepareSandbox makes what a pod's containers share (for docker, a
	// sandbox container holding the pod's network namespace) and returns
	// the pod's IP. It is called before each container start and must be
	// cheap and idempotent when the sandbox exists. A runtime without
	// sandboxes returns "" and the agent assigns the pod an address.
	PrepareSandbox(ctx context.Context, cfg SandboxConfig) (podIP string, err error)
	// RemoveSandbox removes a pod's sandbox after its containers have
	// been stopped and removed. Removing a missing sandbox is a no-op.
	RemoveSandbox(ctx context.Context, podUID string) error
}

// Stats are a container's resource use at one time.
type Stats struct {
	Time time.Time
	// CPU is the CPU time its processes have used so far.
	CPU time.Duration
	// MemoryBytes is its working set: the memory it uses that the kernel
	// cannot simply drop (no page cache of inactive files).
	MemoryBytes int64
}

// SandboxConfig describes a pod's sandbox.
type SandboxConfig struct {
	PodUID, PodNamespace, PodName string
	Hostname                      string
	// Ports are the pod's containers' ports; those with a HostPort are
	// published on the node.
	Ports []Port
}

// Port is a container port, published on the node when HostPort is set.
type Port struct {
	ContainerPort, HostPort int32
	Protocol                string // TCP, UDP or SCTP
	HostIP                  string
}

// ImagePullError is a container that could not start because its image
// could not be pulled (or, with pull policy Never, is not present). The
// agent shows it as ErrImagePull and then ImagePullBackOff.
type ImagePullError struct {
	Image string
	Err   error
}

func (e *ImagePullError) Error() string {
	return fmt.Sprintf("pull image %q: %v", e.Image, e.Err)
}

func (e *ImagePullError) Unwrap() error { return e.Err }

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
	// Command and Args are the container's, with $(VAR) expanded: Command
	// replaces an image's entrypoint and Args its command, as in
	// Kubernetes.
	Command    []string
	Args       []string
	Env        []string // KEY=value
	WorkingDir string
	// Image and PullPolicy (Always, IfNotPresent, Never) are what image
	// runtimes run; the process runtime ignores them.
	Image      string
	PullPolicy string
	// Resources are the container's requests and limits, as the runtime
	// enforces them: CPU shares from the request, a CPU quota and memory
	// limit from the limits. Zero means unset.
	Resources Resources
	// ReadOnlyRootFilesystem and Privileged are from the securityContext.
	ReadOnlyRootFilesystem bool
	Privileged             bool
	// Mounts are the container's volumes, in order.
	Mounts []Mount
	// User and Group are the IDs the command runs as (securityContext
	// runAsUser and runAsGroup); nil keeps the runtime's default. Groups
	// are supplementary groups.
	User, Group *int64
	Groups      []int64
	// LogMaxSize and LogMaxFiles bound the container's log: rotated past
	// LogMaxSize bytes, at most LogMaxFiles files kept (0: 10 MiB and 5,
	// the kubelet's defaults).
	LogMaxSize  int64
	LogMaxFiles int
}

// Resources are a container's CPU and memory requests and limits.
type Resources struct {
	CPURequestMilli  int64
	CPULimitMilli    int64
	MemoryLimitBytes int64
}

// Argv is Command followed by Args: what a runtime without images runs.
func (c ContainerConfig) Argv() []string {
	return append(append([]string{}, c.Command...), c.Args...)
}

// Mount makes HostPath appear at ContainerPath inside the container.
type Mount struct {
	HostPath      string
	ContainerPath string
	ReadOnly      bool
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
	// ImageID is the image the container runs, for image runtimes.
	ImageID string
}
