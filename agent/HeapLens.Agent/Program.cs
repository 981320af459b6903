// Placeholder entry point; replaced by the agent implementation.
return 0;
