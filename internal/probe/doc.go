// Package probe runs a container's liveness, readiness and startup probes
// the way the kubelet does, and turns their results into what the node
// agent acts on: is the container started, is it ready, must it be
// restarted, and which event explains why.
//
// The package has two halves that never meet inside it:
//
//   - [Run] is the I/O: one execution of one corev1.Probe (httpGet,
//     tcpSocket, grpc or exec) against a [Target], bounded by the probe's
//     timeoutSeconds. It returns a [Result]: Success, Failure, or Unknown
//     when the prober itself could not do its job (a named port that does
//     not exist, a runtime that cannot exec). Unknown says nothing about the
//     container and never counts towards a threshold.
//
//   - [Worker] and [Container] are pure state machines: no goroutines, no
//     clock reads. The caller passes the time in. A Worker tracks one probe
//     of one container instance: when it is next due (initialDelaySeconds,
//     periodSeconds) and what consecutive results mean
//     (successThreshold, failureThreshold). A Container holds a container's
//     three workers and applies startup gating: liveness and readiness do
//     not run until the startup probe has succeeded.
//
// A caller's loop, one per container instance:
//
//	c := probe.NewContainer(spec, startedAt)
//	for {
//	    for _, k := range c.Due(now) {          // what to run now
//	        r := probe.Run(ctx, c.Worker(k).Probe(), target)
//	        o := c.Observe(k, now, r)            // thresholds applied
//	        if o.Event != nil { record o.Event } // "Readiness probe failed: ..."
//	    }
//	    ready, started := c.Ready(), c.Started()
//	    if k, ok := c.RestartNeeded(); ok { restart; break }
//	    wait, ok := c.Next(clock.Now())          // sleep or requeue
//	    if !ok { break }
//	}
//
// A Container describes one container instance: when the container is
// restarted, the caller makes a new one with the new start time, as the
// kubelet resets its workers on a new container ID.
//
// Differences from the kubelet worth knowing: the first probe runs exactly
// at start+initialDelaySeconds rather than on the next tick of a free-running
// ticker, and a prober error is not retried within the same period.
package probe
