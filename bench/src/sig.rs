//! The physical floor: CPU seconds of one RS256 signature (RSA-2048, PKCS#1 v1.5, SHA-256)
//! with aws-lc-rs, the library the server signs with, measured in this process.

use crate::procfs;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair as _, RSA_PKCS1_2048_8192_SHA256,
    RSA_PKCS1_SHA256, RsaKeyPair, UnparsedPublicKey,
};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct SigCost {
    /// CPU seconds of one signature.
    pub sign_cpu_s: f64,
    /// Wall seconds of one signature (on a busy machine, above the CPU figure).
    pub sign_wall_s: f64,
    /// CPU seconds of one verification.
    pub verify_cpu_s: f64,
    /// CPU seconds of one ES256 (ECDSA P-256) signature, for tenants that choose it.
    pub es256_sign_cpu_s: f64,
    pub signatures: usize,
    pub clock: &'static str,
}

/// Generates one key, signs `n` distinct messages of a JWT's size and verifies `n` of them,
/// then signs them with a P-256 key (ES256), on a dedicated thread whose CPU clock is read
/// before and after each part.
pub fn measure(n: usize) -> anyhow::Result<SigCost> {
    std::thread::spawn(move || -> anyhow::Result<SigCost> {
        let pair = RsaKeyPair::generate(KeySize::Rsa2048)
            .map_err(|_| anyhow::anyhow!("RSA-2048 key generation failed"))?;
        let rng = SystemRandom::new();
        // About the size of an access token's signing input.
        let messages: Vec<Vec<u8>> = (0..n)
            .map(|i| format!("{}.{i:08}", "e".repeat(1200)).into_bytes())
            .collect();
        let mut sigs = vec![vec![0u8; pair.public_modulus_len()]; n];
        // One untimed signature: page in the code and tables.
        pair.sign(&RSA_PKCS1_SHA256, &rng, b"warm", &mut sigs[0])
            .map_err(|_| anyhow::anyhow!("RSA signing failed"))?;

        let wall = std::time::Instant::now();
        let cpu0 = procfs::thread_cpu_seconds()?;
        for (m, s) in messages.iter().zip(sigs.iter_mut()) {
            pair.sign(&RSA_PKCS1_SHA256, &rng, m, s)
                .map_err(|_| anyhow::anyhow!("RSA signing failed"))?;
        }
        let cpu1 = procfs::thread_cpu_seconds()?;
        let wall = wall.elapsed().as_secs_f64();

        let public = UnparsedPublicKey::new(
            &RSA_PKCS1_2048_8192_SHA256,
            pair.public_key().as_ref().to_vec(),
        );
        let v0 = procfs::thread_cpu_seconds()?;
        for (m, s) in messages.iter().zip(sigs.iter()) {
            public
                .verify(m, s)
                .map_err(|_| anyhow::anyhow!("RSA verification failed"))?;
        }
        let v1 = procfs::thread_cpu_seconds()?;

        let ec = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING)
            .map_err(|_| anyhow::anyhow!("P-256 key generation failed"))?;
        ec.sign(&rng, b"warm")
            .map_err(|_| anyhow::anyhow!("ECDSA signing failed"))?;
        let e0 = procfs::thread_cpu_seconds()?;
        for m in &messages {
            ec.sign(&rng, m)
                .map_err(|_| anyhow::anyhow!("ECDSA signing failed"))?;
        }
        let e1 = procfs::thread_cpu_seconds()?;
        Ok(SigCost {
            sign_cpu_s: (cpu1 - cpu0) / n as f64,
            sign_wall_s: wall / n as f64,
            verify_cpu_s: (v1 - v0) / n as f64,
            es256_sign_cpu_s: (e1 - e0) / n as f64,
            signatures: n,
            clock: procfs::thread_clock_name(),
        })
    })
    .join()
    .map_err(|_| anyhow::anyhow!("the signature thread panicked"))?
}
