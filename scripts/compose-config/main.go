// compose-config loads a Compose file the way `docker compose config` does (compose-go, the
// Compose specification's reference loader, which docker compose v2 is built on): schema
// validation, interpolation, profiles, extends and anchors. It prints the resolved project as
// YAML, or the error and exit 1. No Docker engine is needed.
//
//	compose-config <compose file> [profile …]
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/compose-spec/compose-go/v2/cli"
)

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}

func main() {
	if len(os.Args) < 2 {
		fail(fmt.Errorf("usage: compose-config <compose file> [profile …]"))
	}
	options, err := cli.NewProjectOptions([]string{os.Args[1]}, cli.WithOsEnv, cli.WithProfiles(os.Args[2:]))
	if err != nil {
		fail(err)
	}
	project, err := options.LoadProject(context.Background())
	if err != nil {
		fail(err)
	}
	resolved, err := project.MarshalYAML()
	if err != nil {
		fail(err)
	}
	os.Stdout.Write(resolved)
}
