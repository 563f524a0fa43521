"""WeCom (企业微信): the 微信客服 channel's API, state and sync, and staff notifications."""
