//! `FsLoader`: files from folders, never outside their root.

use keyless_pipelines::template::{FsLoader, LoadError, Loader};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// A fresh folder under the system's temporary folder, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Scratch {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "keyless-pipelines-fs-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(dir.join("repo/sub")).expect("scratch folder");
        std::fs::create_dir_all(dir.join("outside")).expect("scratch folder");
        std::fs::create_dir_all(dir.join("tools")).expect("scratch folder");
        Scratch(dir)
    }
    fn write(&self, path: &str, bytes: &[u8]) {
        let p = self.0.join(path);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("scratch folder");
        std::fs::write(p, bytes).expect("scratch folder");
    }
    fn path(&self, p: &str) -> PathBuf {
        self.0.join(p)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn loader(s: &Scratch) -> FsLoader {
    let mut repositories = BTreeMap::new();
    repositories.insert("tools".to_owned(), s.path("tools"));
    FsLoader::new(s.path("repo"), repositories)
}

#[test]
fn reads_files_of_the_root_and_of_repositories() {
    let s = Scratch::new();
    s.write("repo/sub/a.yml", b"steps: []\n");
    s.write("tools/t.yml", b"jobs: []\n");
    let l = loader(&s);
    assert_eq!(l.read(None, "sub/a.yml"), Ok("steps: []\n".to_owned()));
    assert_eq!(
        l.read(None, "./sub/../sub/a.yml"),
        Ok("steps: []\n".to_owned())
    );
    assert_eq!(l.read(Some("tools"), "t.yml"), Ok("jobs: []\n".to_owned()));
    assert_eq!(l.read(None, "sub/missing.yml"), Err(LoadError::NotFound));
    assert_eq!(l.read(Some("other"), "t.yml"), Err(LoadError::Unavailable));
}

#[test]
fn paths_never_leave_the_root() {
    let s = Scratch::new();
    s.write("outside/secret.yml", b"x: 1\n");
    let l = loader(&s);
    assert_eq!(
        l.read(None, "../outside/secret.yml"),
        Err(LoadError::NotFound)
    );
    assert_eq!(
        l.read(None, "sub/../../outside/secret.yml"),
        Err(LoadError::NotFound)
    );
    assert_eq!(l.read(None, ""), Err(LoadError::NotFound));
}

#[cfg(unix)]
#[test]
fn symbolic_links_out_of_the_root_are_refused() {
    let s = Scratch::new();
    s.write("outside/secret.yml", b"x: 1\n");
    s.write("repo/real.yml", b"y: 2\n");
    std::os::unix::fs::symlink(s.path("outside/secret.yml"), s.path("repo/link.yml")).unwrap();
    std::os::unix::fs::symlink(s.path("outside"), s.path("repo/dir")).unwrap();
    std::os::unix::fs::symlink(s.path("repo/real.yml"), s.path("repo/inside.yml")).unwrap();
    // The root resolved at the first read, or given resolved.
    let resolved =
        FsLoader::with_resolved_root(s.path("repo").canonicalize().unwrap(), BTreeMap::new());
    for l in [loader(&s), resolved] {
        assert!(matches!(
            l.read(None, "link.yml"),
            Err(LoadError::Unreadable(_))
        ));
        assert!(matches!(
            l.read(None, "dir/secret.yml"),
            Err(LoadError::Unreadable(_))
        ));
        assert_eq!(l.read(None, "inside.yml"), Ok("y: 2\n".to_owned()));
        assert_eq!(
            l.read(None, "../outside/secret.yml"),
            Err(LoadError::NotFound)
        );
    }
}

#[test]
fn large_binary_and_folder_paths_are_unreadable_with_the_reason() {
    let s = Scratch::new();
    s.write("repo/big.yml", &vec![b'a'; (1 << 20) + 1]);
    s.write("repo/exact.yml", &vec![b'a'; 1 << 20]);
    s.write("repo/latin1.yml", b"caf\xe9: 1\n");
    let l = loader(&s);
    let Err(LoadError::Unreadable(why)) = l.read(None, "big.yml") else {
        panic!()
    };
    assert!(why.contains("1048577 bytes"), "{why}");
    assert!(l.read(None, "exact.yml").is_ok());
    let Err(LoadError::Unreadable(why)) = l.read(None, "latin1.yml") else {
        panic!()
    };
    assert!(why.contains("not UTF-8"), "{why}");
    assert!(matches!(l.read(None, "sub"), Err(LoadError::Unreadable(_))));
}

#[test]
fn a_missing_root_finds_nothing() {
    let l = FsLoader::new(
        Path::new("/nonexistent/keyless/root").to_path_buf(),
        BTreeMap::new(),
    );
    assert_eq!(l.read(None, "a.yml"), Err(LoadError::NotFound));
}

#[test]
fn compile_reports_unreadable_templates_as_kl001() {
    let s = Scratch::new();
    s.write(
        "repo/azure-pipelines.yml",
        b"steps:\n- template: latin1.yml\n",
    );
    s.write("repo/latin1.yml", b"caf\xe9: 1\n");
    let c = keyless_pipelines::compile(
        "azure-pipelines.yml",
        &loader(&s),
        &keyless_pipelines::template::Options::default(),
    );
    let found: Vec<_> = c
        .diagnostics
        .iter()
        .map(|d| (d.code, d.loc.line, d.loc.col))
        .collect();
    assert_eq!(found, [(keyless_pipelines::Code::UnreadableFile, 2, 13)]);
}
