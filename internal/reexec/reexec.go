// Package reexec runs the small roles the marina binary is re-executed
// for (a process container's shim and init step, a docker pod sandbox's
// pause) before the rest of the binary initializes.
//
// The marina binary links the API server, kubectl and the Kubernetes
// libraries, whose package initializers take tens of milliseconds and
// about 13 MiB of heap. A shim runs per container and a pause per docker
// pod, so paying that for each would cost a node gigabytes with a hundred
// pods, and slow every container start. Go initializes packages in import
// path order as soon as their own imports are ready: this package and its
// few imports sort before the heavy ones (golang.org, google.golang.org,
// k8s.io, sigs.k8s.io), so its init runs first, handles the role, and
// exits the process. For any other command it returns and the binary goes
// on as usual.
package reexec

import (
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/marina-orchestrator/marina/internal/runtime/process"
)

func init() {
	if len(os.Args) < 2 {
		return
	}
	switch os.Args[1] {
	case "pause", "shim":
		// What the initializers before this one allocated is mostly
		// garbage: give it back, and keep the heap small from here on.
		debug.SetGCPercent(25)
		debug.FreeOSMemory()
	default:
		return
	}
	if os.Args[1] == "pause" {
		pause()
	}
	shim(os.Args[2:])
}

// pause holds a pod sandbox's namespaces until it is stopped.
func pause() {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	<-sig
	os.Exit(0)
}

// shim is `marina shim --dir DIR [--init]`.
func shim(args []string) {
	dir, init := "", false
	for i := 0; i < len(args); i++ {
		switch args[i] {
		case "--dir":
			if i+1 < len(args) {
				dir = args[i+1]
				i++
			}
		case "--init":
			init = true
		default:
			fmt.Fprintf(os.Stderr, "marina shim: unknown argument %q\n", args[i])
			os.Exit(2)
		}
	}
	if dir == "" {
		fmt.Fprintln(os.Stderr, "marina shim: --dir is required")
		os.Exit(2)
	}
	var err error
	if init {
		err = process.RunInit(dir)
	} else {
		err = process.RunShim(dir)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "marina shim: %v\n", err)
		os.Exit(1)
	}
	os.Exit(0)
}
