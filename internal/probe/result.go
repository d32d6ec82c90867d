package probe

import "fmt"

// Outcome is what one probe execution found.
type Outcome int

const (
	// Unknown means the prober could not do its job (bad configuration,
	// no way to exec, the caller cancelled). It says nothing about the
	// container, so workers do not count it towards any threshold.
	Unknown Outcome = iota
	// Success means the container passed the check.
	Success
	// Failure means the container failed the check.
	Failure
)

func (o Outcome) String() string {
	switch o {
	case Unknown:
		return "unknown"
	case Success:
		return "success"
	case Failure:
		return "failure"
	}
	return fmt.Sprintf("Outcome(%d)", int(o))
}

// Result is the result of one probe execution.
type Result struct {
	Outcome Outcome
	// Message explains a Failure or an Unknown in the kubelet's words
	// ("HTTP probe failed with statuscode: 500"). On Success it is empty
	// unless the probe passed with a warning (an httpGet stopped at a
	// redirect to another host), which the kubelet reports as a
	// ProbeWarning event.
	Message string
}

func unknown(err error) Result { return Result{Outcome: Unknown, Message: err.Error()} }

func failure(msg string) Result { return Result{Outcome: Failure, Message: msg} }
