//! What a sandbox provider "sent": kept in memory for tests and appended as JSON lines to a file
//! a local user can read.

use crate::error::{Error, Result};
use serde::Serialize;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;

#[derive(Debug)]
pub struct Outbox<M> {
    messages: Mutex<Vec<M>>,
    file: Option<PathBuf>,
}

impl<M> Default for Outbox<M> {
    fn default() -> Self {
        Outbox { messages: Mutex::new(Vec::new()), file: None }
    }
}

impl<M: Serialize + Clone> Outbox<M> {
    pub fn new(file: Option<PathBuf>) -> Self {
        Outbox { messages: Mutex::new(Vec::new()), file }
    }

    pub fn push(&self, message: M) -> Result<()> {
        if let Some(path) = &self.file {
            let line = serde_json::to_string(&message).map_err(|e| Error::internal("sandbox outbox encode", e))?;
            let mut file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map_err(|e| Error::internal("sandbox outbox open", e))?;
            writeln!(file, "{line}").map_err(|e| Error::internal("sandbox outbox write", e))?;
        }
        self.messages.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(message);
        Ok(())
    }

    pub fn all(&self) -> Vec<M> {
        self.messages.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }
}

/// The first run of exactly six digits in a message.
pub fn extract_code(text: &str) -> Option<String> {
    text.split(|c: char| !c.is_ascii_digit()).find(|run| run.len() == 6).map(str::to_owned)
}
