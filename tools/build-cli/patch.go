package main

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/mod/modfile"
)

// patchSource makes the module source in dir build on its own: it drops each
// `replace X => ./dir` whose directory the module zip does not have, X's
// require line, and, in the non-test Go files, the imports of X's packages
// and the composite literal entries that use them.
func patchSource(dir string, logf func(string, ...any)) error {
	gomod := filepath.Join(dir, "go.mod")
	data, err := os.ReadFile(gomod)
	if err != nil {
		return err
	}
	f, err := modfile.Parse(gomod, data, nil)
	if err != nil {
		return err
	}
	var missing []string
	for _, r := range slices.Clone(f.Replace) {
		if r.New.Version != "" || !modfile.IsDirectoryPath(r.New.Path) {
			continue // a replace by another module, from the proxy
		}
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(r.New.Path), "go.mod")); err == nil {
			continue
		}
		// DropReplace clears *r.
		old := r.Old
		logf("dropping %s: its replacement %s is not in the module zip", old.Path, r.New.Path)
		missing = append(missing, old.Path)
		if err := f.DropReplace(old.Path, old.Version); err != nil {
			return err
		}
		if err := f.DropRequire(old.Path); err != nil {
			return err
		}
	}
	if len(missing) == 0 {
		return nil
	}
	f.Cleanup()
	out, err := f.Format()
	if err != nil {
		return err
	}
	if err := os.WriteFile(gomod, out, 0o644); err != nil {
		return err
	}

	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p == dir {
				return nil
			}
			// Nested modules are not part of the build, nor are these.
			if d.Name() == "testdata" || d.Name() == "vendor" || exists(filepath.Join(p, "go.mod")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		patched, removed, err := dropImports(p, src, missing)
		if err != nil {
			return err
		}
		if removed == nil {
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		for _, r := range removed {
			logf("%s: removed %s", rel, r)
		}
		return os.WriteFile(p, patched, 0o644)
	})
}

// importsModule tells whether the package at importPath belongs to one of
// the modules.
func importsModule(importPath string, modules []string) bool {
	for _, m := range modules {
		if importPath == m || strings.HasPrefix(importPath, m+"/") {
			return true
		}
	}
	return false
}

// dropImports removes from a Go file the imports of the modules' packages
// and every composite literal entry (key: value) that uses one of them, such
// as a backend's entry in internal/backend/init's map. Each removed node
// must stand on lines of its own, and the file must not use those packages
// anywhere else: then it says so rather than guessing. It returns the new
// source and a description of each removal, or nil when the file imports
// none of the modules.
func dropImports(name string, src []byte, modules []string) ([]byte, []string, error) {
	if !slices.ContainsFunc(modules, func(m string) bool { return bytes.Contains(src, []byte(`"`+m)) }) {
		return src, nil, nil
	}
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, name, src, parser.ParseComments)
	if err != nil {
		return nil, nil, err
	}
	var cut []ast.Node
	var removed []string
	aliases := map[string]bool{}
	for _, decl := range file.Decls {
		gen, ok := decl.(*ast.GenDecl)
		if !ok || gen.Tok != token.IMPORT {
			continue
		}
		for _, spec := range gen.Specs {
			imp, ok := spec.(*ast.ImportSpec)
			if !ok {
				continue
			}
			p, err := strconv.Unquote(imp.Path.Value)
			if err != nil || !importsModule(p, modules) {
				continue
			}
			// Without parentheses, the import is the whole declaration.
			if gen.Lparen.IsValid() {
				cut = append(cut, imp)
			} else {
				cut = append(cut, gen)
			}
			alias := path.Base(p)
			if imp.Name != nil {
				alias = imp.Name.Name
			}
			if alias != "_" && alias != "." {
				aliases[alias] = true
			}
			removed = append(removed, "import "+imp.Path.Value)
		}
	}
	if len(cut) == 0 {
		return src, nil, nil
	}
	ast.Inspect(file, func(n ast.Node) bool {
		lit, ok := n.(*ast.CompositeLit)
		if !ok {
			return true
		}
		for _, e := range lit.Elts {
			if kv, ok := e.(*ast.KeyValueExpr); ok && usesAny(kv.Value, aliases) {
				cut = append(cut, kv)
				removed = append(removed, "entry "+text(fset, src, kv.Key))
			}
		}
		return true
	})

	lines := map[int]bool{} // 1-based line numbers to drop
	for _, n := range cut {
		from, to := fset.Position(n.Pos()), fset.Position(n.End())
		before := src[from.Offset-from.Column+1 : from.Offset]
		after := src[to.Offset:lineEnd(src, to.Offset)]
		if len(bytes.TrimSpace(before)) > 0 || !onlyTrailer(after) {
			return nil, nil, fmt.Errorf("%s: cannot remove %q: it shares a line with other code", from, text(fset, src, n))
		}
		for l := from.Line; l <= to.Line; l++ {
			lines[l] = true
		}
	}
	var out bytes.Buffer
	for i, line := range bytes.SplitAfter(src, []byte("\n")) {
		if !lines[i+1] {
			out.Write(line)
		}
	}

	// The packages must now be unused: anything else that used them is code
	// this patch does not understand.
	file, err = parser.ParseFile(token.NewFileSet(), name, out.Bytes(), 0)
	if err != nil {
		return nil, nil, fmt.Errorf("%s after removing the imports of %v: %w", name, modules, err)
	}
	if usesAny(file, aliases) {
		return nil, nil, fmt.Errorf("%s still uses a package of %v after removing its imports and map entries", name, modules)
	}
	formatted, err := format.Source(out.Bytes())
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	return formatted, removed, nil
}

// usesAny tells whether n refers to a package by one of the names, as in
// backendS3.New().
func usesAny(n ast.Node, names map[string]bool) bool {
	found := false
	ast.Inspect(n, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if id, ok := sel.X.(*ast.Ident); ok && names[id.Name] {
				found = true
			}
		}
		return !found
	})
	return found
}

// lineEnd returns the offset of the newline that ends the line at offset
// (or the end of src).
func lineEnd(src []byte, offset int) int {
	if i := bytes.IndexByte(src[offset:], '\n'); i >= 0 {
		return offset + i
	}
	return len(src)
}

// onlyTrailer tells whether what follows a node on its line is at most a
// comma and a comment.
func onlyTrailer(b []byte) bool {
	b = bytes.TrimSpace(b)
	b = bytes.TrimPrefix(b, []byte(","))
	b = bytes.TrimSpace(b)
	return len(b) == 0 || bytes.HasPrefix(b, []byte("//"))
}

// text is the source of a node, for messages.
func text(fset *token.FileSet, src []byte, n ast.Node) string {
	return string(src[fset.Position(n.Pos()).Offset:fset.Position(n.End()).Offset])
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
