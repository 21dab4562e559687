//! Shell commands that read or set the clipboard.

use crate::python::Call;
use crate::rules::collection::commands;
use crate::rules::shell_text;

/// A process that prints the clipboard.
pub(crate) fn reads_clipboard_in_shell(call: &Call) -> bool {
    call.is_process() && shell_text(call).is_some_and(|cmd| is_clipboard_read_command(&cmd))
}

pub(crate) fn is_clipboard_read_command(cmd: &str) -> bool {
    commands(cmd).iter().any(|(program, args)| {
        let has = |flags: &[&str]| args.iter().any(|a| flags.contains(&a.as_str()));
        match program.as_str() {
            "pbpaste" | "wl-paste" | "get-clipboard" => true,
            "xclip" => has(&["-o", "-out"]),
            "xsel" => has(&["-o", "--output", "-ob", "-bo"]),
            _ => false,
        }
    })
}

/// A process that sets the clipboard.
pub(crate) fn is_clipboard_write_command(cmd: &str) -> bool {
    commands(cmd).iter().any(|(program, args)| {
        let has = |flags: &[&str]| args.iter().any(|a| flags.contains(&a.as_str()));
        match program.as_str() {
            "pbcopy" | "wl-copy" | "set-clipboard" | "clip" | "clip.exe" => true,
            "xclip" => !has(&["-o", "-out"]),
            "xsel" => has(&["-i", "--input", "-ib", "-bi"]),
            _ => false,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clipboard_commands() {
        assert!(is_clipboard_read_command("pbpaste"));
        assert!(is_clipboard_read_command("xclip -selection clipboard -o"));
        assert!(is_clipboard_read_command("xsel --clipboard --output"));
        assert!(is_clipboard_read_command(
            "powershell -NoProfile Get-Clipboard"
        ));
        assert!(!is_clipboard_read_command("xclip -selection clipboard"));
        assert!(!is_clipboard_read_command("echo xclip -o"));
        assert!(is_clipboard_write_command("xclip -selection clipboard"));
        assert!(is_clipboard_write_command("echo hi | clip"));
        assert!(!is_clipboard_write_command("xclip -o"));
        assert!(!is_clipboard_write_command("clippy"));
    }
}
