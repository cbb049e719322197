//! A session's conversation as it is kept: one record per turn, each holding the turn's
//! messages (screenshots replaced by a note), so a session resumes after a restart and older
//! turns can be compacted into a summary when the history grows past a budget.

use std::fmt::Write as _;

use replica_core::{ContentPart, Message, Role, ToolResultPart};
use serde::{Deserialize, Serialize};

/// Every turn of a session, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Conversation {
    pub turns: Vec<TurnRecord>,
}

/// One turn as kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TurnRecord {
    /// What the user asked.
    pub message: String,
    /// The turn's messages from the user's message on, always ending with an assistant message.
    pub messages: Vec<Message>,
    /// The model's last text.
    pub answer: String,
    pub files_changed: Vec<String>,
    /// How it ended: `complete`, `stopped`, or the limit or error that ended it.
    pub ending: String,
}

impl Conversation {
    /// The messages a new turn starts from. The newest turns are kept whole while they fit in
    /// `budget_chars` (their JSON size); older ones become one summary exchange. The newest
    /// turn is always kept whole.
    pub fn context(&self, budget_chars: usize) -> Vec<Message> {
        let mut kept = 0;
        let mut used = 0;
        for turn in self.turns.iter().rev() {
            let size: usize = turn.messages.iter().map(message_size).sum();
            if kept > 0 && used + size > budget_chars {
                break;
            }
            used += size;
            kept += 1;
        }
        let (older, recent) = self.turns.split_at(self.turns.len() - kept);
        let mut messages = Vec::new();
        if !older.is_empty() {
            messages.push(Message::user_text(summary(older)));
            messages.push(Message {
                role: Role::Assistant,
                content: vec![ContentPart::Text {
                    text: "Noted; I will read the files again before changing them.".to_owned(),
                }],
            });
        }
        for turn in recent {
            messages.extend(turn.messages.iter().cloned());
        }
        messages
    }
}

/// Earlier turns in a few lines each: the request, the files changed, the answer.
fn summary(turns: &[TurnRecord]) -> String {
    let mut text = String::from(
        "Summary of the earlier turns of this session (their details were dropped to save \
         space):\n",
    );
    for (n, turn) in turns.iter().enumerate() {
        let _ = write!(
            text,
            "- Turn {}: the user asked {:?}",
            n + 1,
            cut(&turn.message, 300)
        );
        if !turn.files_changed.is_empty() {
            let _ = write!(text, "; files changed: {}", turn.files_changed.join(", "));
        }
        let _ = writeln!(
            text,
            "; it ended {}; the answer was {:?}",
            turn.ending,
            cut(&turn.answer, 300)
        );
    }
    text
}

fn cut(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

fn message_size(message: &Message) -> usize {
    serde_json::to_string(message).map_or(0, |json| json.len())
}

/// `messages` as kept in the history: images (screenshots) replaced by a note, so stored
/// sessions stay small and later requests do not carry old pictures.
pub fn without_images(messages: &[Message]) -> Vec<Message> {
    messages
        .iter()
        .map(|message| Message {
            role: message.role,
            content: message
                .content
                .iter()
                .map(|part| match part {
                    ContentPart::Image(_) => ContentPart::Text {
                        text: "[an image, not kept in the history]".to_owned(),
                    },
                    ContentPart::ToolResult(result) => {
                        let mut result = result.clone();
                        for part in &mut result.content {
                            if matches!(part, ToolResultPart::Image(_)) {
                                *part = ToolResultPart::Text {
                                    text: "[a screenshot, not kept in the history]".to_owned(),
                                };
                            }
                        }
                        ContentPart::ToolResult(result)
                    }
                    other => other.clone(),
                })
                .collect(),
        })
        .collect()
}
