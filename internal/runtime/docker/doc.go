// Package docker runs containers with the Docker Engine, through its API and
// official Go client, as the kubelet's dockershim did.
//
// # Sandboxes
//
// The containers of a pod share one network (and IPC) namespace, held by a
// sandbox container named marina-sandbox-<pod UID>: it runs `marina pause`,
// which only waits for SIGTERM, on Docker's default bridge network, with
// the pod's hostname, and publishes the pod's host ports. Its bridge
// address is the pod's IP. The pod's containers join it with network mode
// container:<sandbox ID>. No image can be assumed to be pullable, so the
// sandbox image is built locally FROM scratch with the marina binary in it
// (see EnsureSandboxImage), tagged with the binary's hash.
//
// # Names and labels
//
// A container's ID in Marina (the agent's <pod UID>_<name>_<attempt>) is
// also its Docker name, prefixed: marina_<ID>. Every call can therefore
// address the container by name, with no table to keep, and Docker itself
// refuses a second container for the same attempt. Labels carry the rest,
// so that a restarted agent re-adopts its containers from Docker alone:
//
//	io.marina.type               sandbox or container
//	io.marina.pod.uid            the pod's UID
//	io.marina.pod.namespace      its namespace
//	io.marina.pod.name           its name
//	io.marina.container.id       Marina's container ID    (containers only)
//	io.marina.container.name     the container's name     (containers only)
//	io.marina.container.attempt  the attempt, from 0      (containers only)
//
// `docker ps --filter label=io.marina.pod.name=web` finds a pod's containers.
//
// # Logs
//
// The agent reads a container's log from ContainerStatus.LogPath, a file in
// the CRI format of package containerlog; Docker keeps its own log in its
// json-file format, which the agent cannot read. So for each container the
// runtime runs a follower: a goroutine that follows Docker's log of the
// container (the logs API, stdout and stderr demultiplexed) and writes it
// through a containerlog.Writer to <root>/<ID>/container.log, rotated with
// the container's LogMaxSize and LogMaxFiles. Docker's own json-file log
// gets the same bounds. The follower ends when the container does.
//
// When the agent restarts, New starts a follower for every container it
// finds, which asks Docker for the lines logged since the newest record in
// the file: a container that kept running, or ended, while the agent was
// away loses no output. (A record's time is when the follower wrote it, a
// little after Docker logged the line, so a line logged in the moment
// before the previous follower stopped can be missed, never repeated.)
//
// Converting Docker's json-file on read instead would need the agent to
// know a second format, and following Docker's files directly would mean
// relying on the daemon's private layout; the logs API is Docker's contract.
package docker
