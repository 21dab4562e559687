//! Chat channels stealers post to: Discord webhooks and the Telegram bot
//! API. With its token written into the code, such a URL is a private
//! channel of the package's author: whatever is sent there goes to them.

use std::sync::LazyLock;

use aho_corasick::AhoCorasick;

/// URL fragments of chat channels, and what they are.
pub(super) const CHANNELS: &[(&str, &str)] = &[
    ("discord.com/api/webhooks/", "Discord webhook"),
    ("discordapp.com/api/webhooks/", "Discord webhook"),
    ("api.telegram.org/bot", "Telegram bot API"),
];

static MATCHER: LazyLock<AhoCorasick> = LazyLock::new(|| {
    AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build(CHANNELS.iter().map(|(needle, _)| needle))
        .expect("patterns compile")
});

/// The chat channel `text` names, if any (`Discord webhook`).
pub(crate) fn chat_channel(text: &str) -> Option<&'static str> {
    MATCHER
        .find(text)
        .map(|hit| CHANNELS[hit.pattern().as_usize()].1)
}

/// A chat channel URL with its token in it: the author's own channel.
pub(crate) fn private_channel(url: &str) -> Option<&'static str> {
    chat_channel(url).filter(|_| is_bot_credential(url))
}

/// A Discord webhook URL with its id and token, or a Telegram bot token
/// (`123456789:AA…`, 35 characters after the colon).
pub(crate) fn is_bot_credential(text: &str) -> bool {
    let token_char = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    if let Some(at) = text.find("/api/webhooks/") {
        let rest = &text[at + "/api/webhooks/".len()..];
        let id_len = rest.chars().take_while(char::is_ascii_digit).count();
        if id_len >= 15
            && let Some(token) = rest[id_len..].strip_prefix('/')
        {
            return token.chars().take_while(|&c| token_char(c)).count() >= 40;
        }
    }
    text.match_indices(':').any(|(at, _)| {
        let id = text[..at]
            .chars()
            .rev()
            .take_while(char::is_ascii_digit)
            .count();
        let token = text[at + 1..]
            .chars()
            .take_while(|&c| token_char(c))
            .count();
        (8..=12).contains(&id) && token == 35
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_channels_carry_their_token() {
        let bot = "https://api.telegram.org/bot1234567890:AAHJuPVZFFHSurKXCxqa_h3kjxqd7IRcUJU/sendMessage";
        assert_eq!(private_channel(bot), Some("Telegram bot API"));
        // The token comes from configuration: the user's own bot.
        assert_eq!(
            private_channel("https://api.telegram.org/bot{}/sendMessage"),
            None
        );
        assert_eq!(
            chat_channel("https://api.telegram.org/bot{}/sendMessage"),
            Some("Telegram bot API")
        );
        let hook = format!(
            "https://discord.com/api/webhooks/{}/{}",
            "1".repeat(18),
            "a".repeat(68)
        );
        assert_eq!(private_channel(&hook), Some("Discord webhook"));
        assert_eq!(
            private_channel("https://discord.com/api/webhooks/{}/{}"),
            None
        );
        assert_eq!(private_channel("https://example.org/x"), None);
    }
}
