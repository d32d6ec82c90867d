// Command testbin is the only program in the docker runtime's test images,
// which are FROM scratch and have no shell. Its first argument picks what
// it does:
//
//	pause        wait for SIGTERM or SIGINT (the sandbox's `marina pause`)
//	serve ADDR   answer HTTP on ADDR with $GREETING and the hostname,
//	             logging each request; exit 0 on SIGTERM
//	hang         ignore SIGTERM until killed
//	echo ARGS    print ARGS
//	cat          copy stdin to stdout
//	exit N       print to stderr and exit with N
//	read FILE    print the file
//	id           print uid:gid and the supplementary groups
package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: testbin pause|serve ADDR|hang|echo ARGS|cat|exit N|read FILE|id")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "pause":
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
		<-sig
	case "serve":
		serve(os.Args[2])
	case "hang":
		signal.Ignore(syscall.SIGTERM)
		fmt.Println("hanging")
		for {
			time.Sleep(time.Hour)
		}
	case "echo":
		fmt.Println(strings.Join(os.Args[2:], " "))
	case "cat":
		_, _ = io.Copy(os.Stdout, os.Stdin)
	case "read":
		b, err := os.ReadFile(os.Args[2])
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Stdout.Write(b)
	case "id":
		groups, _ := os.Getgroups()
		fmt.Println(os.Getuid(), os.Getgid(), groups)
	case "exit":
		n, _ := strconv.Atoi(os.Args[2])
		fmt.Fprintln(os.Stderr, "exiting", n)
		os.Exit(n)
	default:
		fmt.Fprintln(os.Stderr, "unknown command", os.Args[1])
		os.Exit(2)
	}
}

func serve(addr string) {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM)
	go func() {
		<-sig
		fmt.Println("terminating")
		os.Exit(0)
	}()
	host, _ := os.Hostname()
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Println(r.Method, r.URL.Path)
		fmt.Fprintf(w, "%s from %s\n", os.Getenv("GREETING"), host)
	})
	fmt.Println("listening on", addr)
	fmt.Fprintln(os.Stderr, "a line on stderr")
	if err := http.ListenAndServe(addr, nil); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
