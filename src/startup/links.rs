//! The connections to Redis and RabbitMQ a process of the distributed shape opens at start.

use std::sync::Arc;

use super::error::StartupError;
use crate::cache::RedisCache;
use crate::config::Settings;
use crate::queue::amqp::{AmqpNames, AmqpPublisher};

/// The connections to Redis and RabbitMQ of the distributed shape (none in the embedded one).
pub(super) struct Links {
    pub(super) redis: Option<Arc<RedisCache>>,
    pub(super) broker: Option<Arc<AmqpPublisher>>,
    pub(super) names: AmqpNames,
}

impl Links {
    pub(super) fn open(settings: &Settings) -> Result<Links, StartupError> {
        let names = AmqpNames::new(&settings.names);
        let redis = match &settings.redis_url {
            Some(url) => Some(Arc::new(
                RedisCache::new(url, &settings.names)
                    .map_err(|e| StartupError::Redis(e.to_string()))?,
            )),
            None => None,
        };
        let broker = settings
            .amqp_url
            .as_deref()
            .map(|url| Arc::new(AmqpPublisher::new(url, names.clone())));
        Ok(Links {
            redis,
            broker,
            names,
        })
    }
}
