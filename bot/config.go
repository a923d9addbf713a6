package bot

import "github.com/kubemedic/kubemedic/platform/config"

// ApplyConfig sets the Options that the bot section of the kubemedic
// config file decides: language, Slack API URL, user identities and
// channel clusters. Secrets and gateway clients are the caller's.
func (o *Options) ApplyConfig(c config.Bot) {
	o.Language = c.Language
	o.SlackAPIURL = c.SlackAPIURL
	if len(c.Users) > 0 {
		o.Identities = make(map[string]Identity, len(c.Users))
		for _, u := range c.Users {
			o.Identities[u.SlackUser] = Identity{User: u.KubernetesUser, Groups: append([]string(nil), u.KubernetesGroups...)}
		}
	}
	if len(c.Channels) > 0 {
		o.ChannelClusters = make(map[string]string, len(c.Channels))
		for _, ch := range c.Channels {
			o.ChannelClusters[ch.Channel] = ch.Cluster
			if ch.Notify {
				if o.NotifyChannels == nil {
					o.NotifyChannels = map[string]string{}
				}
				o.NotifyChannels[ch.Cluster] = ch.Channel
			}
		}
	}
}
