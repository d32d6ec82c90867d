// Package volume computes and writes the contents of the volumes the node
// agent fills itself: configMap, secret, downwardAPI and projected. It does
// what the kubelet's configmap, secret, downwardapi and projected volume
// plugins and its AtomicWriter do, so a pod sees the same files, modes and
// update behaviour as on a kubelet.
//
// The work has two halves:
//
//	Contents(pod, volume, source, opts)   pure: objects in, files out
//	        │  map[path]File
//	        ▼
//	Write(dir, files)                     I/O: the volume directory on disk
//
// # On-disk layout
//
// A volume directory written by [Write] looks like this:
//
//	dir/
//	├── ..2026_11_22_01_02_03.123456789/   the data, one directory per version
//	│   ├── app.conf
//	│   └── tls/
//	│       └── ca.crt
//	├── ..data -> ..2026_11_22_01_02_03.123456789
//	├── app.conf -> ..data/app.conf
//	└── tls -> ..data/tls
//
// Every user-visible top-level name is a symlink through ..data, and ..data
// is a symlink to the current version. An update writes the whole new
// version into a fresh timestamped directory, then points ..data at it with
// a single rename(2) of a new symlink over the old one, and only then
// removes the names that no longer exist. The replaced version stays a few
// seconds, until a later Write, for readers caught mid-open; older ones go.
//
// Why: the directory is bind-mounted into the container, so the agent cannot
// swap the directory itself, only what is inside it. Through the ..data
// indirection the switch from one version to the next is one atomic rename:
// a process opening files in the volume sees either all of the old version
// or all of the new one, never a half-written file or a mix of keys, and a
// file it already has open keeps its content (the old inode lives until it
// is closed). Applications watching for updates can watch ..data, as with
// Kubernetes. Names starting with ".." are reserved for this mechanism;
// payload paths may not use them.
package volume
